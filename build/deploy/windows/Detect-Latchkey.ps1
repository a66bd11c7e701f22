# Intune detection rule for the Latchkey MSI (README "For IT", deploying with Intune): a Win32 app's
# "Use a custom detection script". Detected (exit 0 with a line on standard output) when a
# product with Latchkey's UpgradeCode is installed at this version or later. The MSI's
# ProductCode is new in every build (a major upgrade replaces the old version); its UpgradeCode
# never changes. scripts/release-manifest.ts writes Detect-Latchkey-<version>.ps1 from this file
# with both values filled in.
$UpgradeCode = '{00000000-0000-0000-0000-000000000000}'
$MinimumVersion = '0.0.0'

$installer = New-Object -ComObject WindowsInstaller.Installer
foreach ($product in $installer.RelatedProducts($UpgradeCode)) {
  $installed = $installer.ProductInfo($product, 'VersionString')
  if ([version]$installed -ge [version]$MinimumVersion) {
    Write-Output "Latchkey $installed is installed ($product)"
    exit 0
  }
}
exit 1
