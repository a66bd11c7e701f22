import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  /** Locks every signed-in connection now. */
  lockNow: () => void;
  /** Development builds only: the DevTools entry (R117). */
  devTools: boolean;
  platform: NodeJS.Platform;
}

/**
 * The application menu. Ctrl/Cmd+K and the connection switch are the renderer's own keys, so no
 * menu item takes them; "Reload" is left out because a reload would drop what is on screen.
 */
export function menuTemplate(a: MenuActions): MenuItemConstructorOptions[] {
  const mac = a.platform === 'darwin';
  const lock: MenuItemConstructorOptions = {
    label: 'Lock Now',
    accelerator: 'CmdOrCtrl+L',
    click: () => a.lockNow(),
  };
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [lock, { type: 'separator' }, mac ? { role: 'close' } : { role: 'quit' }],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(a.devTools ? [{ role: 'toggleDevTools' as const }] : []),
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
}
