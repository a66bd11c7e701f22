import type { IpcOperation } from './contract.ts';

// Kept apart from the schemas so the sandboxed preload bundles these two values and no zod.

/** The channel name of an operation. */
export const channelOf = (op: IpcOperation): string => `latchkey:${op}`;

/** The one channel main uses to push events (`IpcEvent`) to the renderer. */
export const EVENT_CHANNEL = 'latchkey:event';
