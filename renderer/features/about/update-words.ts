import type { InstallDenial, UpdateStatus } from '../../../common/ipc/update-status.ts';

/** Why updates are off, as IT and the user read it. */
const OFF_WORDS: Record<NonNullable<UpdateStatus['off']>, string> = {
  settings_refused: 'Updates are off: your organization’s settings were refused (see above).',
  no_address: 'Updates are off: no update address is set, so IT deploys new versions.',
  development_build: 'A development build never updates itself.',
  publisher_unnamed:
    'Updates are off: on Windows, UpdatePublisherName (updates.publisherName) must name the publisher of the signed installer.',
  linux_packages: 'On Linux, new versions come from your package tools (deb) or a new AppImage.',
  not_checked: 'Not checked yet.',
};

/** Why this account cannot install an update, as a clause. */
export function denialWhy(d: InstallDenial): string {
  switch (d.reason) {
    case 'msi':
      return 'this copy was installed from the MSI, which only a new MSI can replace';
    case 'all_users':
      return 'this copy is installed for all users and your account is not an administrator of this computer';
    case 'app_not_writable':
      return `your account cannot replace ${d.location ?? 'this copy'} (installed by an administrator or a package)`;
    case 'linux':
      return 'on Linux the console never replaces itself';
  }
}

/** What IT should do instead, as a clause. */
const IT_SHOULD: Record<InstallDenial['reason'], string> = {
  msi: 'deploy the new MSI with Intune or Configuration Manager (its UpgradeCode replaces this version), or remove UpdateUrl so the console stops looking',
  all_users:
    'deploy the new version with your software distribution (the installer takes /S /allusers), or remove UpdateUrl',
  app_not_writable: 'deploy the new .pkg with Jamf or Intune, or remove UpdateUrl',
  linux: 'deploy new versions with your package tools',
};

/** How updates stand, in a sentence or two: what it means and who should do what. */
export function updateWords(u: UpdateStatus): string {
  const version = u.available ?? 'a new version';
  switch (u.state) {
    case 'off':
      return u.off ? OFF_WORDS[u.off] : '';
    case 'checking':
      return `Looking for a new version at ${u.url ?? 'the update address'}.`;
    case 'up-to-date': {
      const later = u.denied ? ` When one comes, IT must install it: ${denialWhy(u.denied)}.` : '';
      return `This is the newest version on the ${u.channel ?? 'latest'} channel.${later}`;
    }
    case 'available':
      return `Version ${version} is available.`;
    case 'pinned':
      return `Version ${version} is available, but your organization keeps this computer on ${u.pin ?? '?'}.x.`;
    case 'deferred':
      return u.deferral
        ? `Version ${version} was released on ${u.deferral.releasedOn}; your organization defers updates by ${u.deferral.days} days, so it installs from ${u.deferral.installsFrom}.`
        : `Version ${version} is deferred by your organization.`;
    case 'cannot-install':
      return u.denied
        ? `Version ${version} is available, but ${denialWhy(u.denied)}. IT should ${IT_SHOULD[u.denied.reason]}.`
        : `Version ${version} is available, but IT must install it.`;
    case 'downloading':
      return `Downloading version ${version}; it installs when Latchkey closes.`;
    case 'ready':
      return `Version ${version} is downloaded and installs when Latchkey closes.`;
    case 'error':
      return `The update check failed (${u.failure ?? 'no reason given'}). The next check is in a day.`;
  }
}
