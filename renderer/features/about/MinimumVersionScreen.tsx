import { useState } from 'react';
import type { Installation } from '../../../common/ipc/installation-contract.ts';
import { AboutScreen, UpdateStatus } from './AboutScreen.tsx';
import './about.css';

/** What the person at the keyboard can do about an old build, by how it was installed. */
function whatToDo(about: Installation): string {
  const { state } = about.updates;
  if (state === 'ready')
    return 'The new version is downloaded: close Latchkey and it is installed.';
  if (state === 'downloading' || state === 'available')
    return 'The new version is on its way: when it is ready, close Latchkey to install it.';
  if (about.install.scope === 'per-machine')
    return 'This copy is installed for all users of this computer, so only IT can replace it: ask your IT service desk to install the current version.';
  return 'Install the current version from your organization’s software portal, or ask your IT service desk.';
}

/**
 * The screen of a build older than the policy's minimum version (issue 17): nothing else of the
 * console opens (main refuses every other operation too), and it says why and what to do.
 */
export function MinimumVersionScreen({ about }: { about: Installation }) {
  const [details, setDetails] = useState(false);
  const required = about.minimumVersion?.required ?? '';
  if (details)
    return (
      <main className="screen">
        <button type="button" onClick={() => setDetails(false)}>
          Back
        </button>
        <AboutScreen />
      </main>
    );
  return (
    <main className="minimum-version">
      <h1>This version of Latchkey can no longer be used</h1>
      <p>
        Your organization requires version <strong>{required}</strong> or later. This copy is
        version <strong>{about.version}</strong>.
      </p>
      <p>{whatToDo(about)}</p>
      <UpdateStatus updates={about.updates} />
      <div className="buttons">
        <button type="button" onClick={() => setDetails(true)}>
          About this installation
        </button>
      </div>
    </main>
  );
}
