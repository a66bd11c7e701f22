import { create } from 'zustand';

/** The screens of the console. */
export type Screen =
  'console' | 'connections' | 'audit' | 'organizations' | 'products' | 'import' | 'about';

/** Which screen shows, which connection's sign-in is asked for, and a banner for what just happened. */
interface RouteState {
  screen: Screen;
  /** The connection whose sign-in form is open on the Connections screen. */
  signInId: string | null;
  notice: string | null;
  show(screen: Screen): void;
  askSignIn(connectionId: string | null): void;
  setNotice(notice: string | null): void;
}

export const useRouteStore = create<RouteState>()((set) => ({
  screen: 'console',
  signInId: null,
  notice: null,
  show: (screen) => set({ screen }),
  askSignIn: (signInId) => set({ screen: 'connections', signInId }),
  setNotice: (notice) => set({ notice }),
}));
