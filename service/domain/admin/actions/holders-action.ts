import { DomainError } from '../../domain-error.ts';
import { newId } from '../../../ids.ts';
import type { ActionSpec } from '../action-runner.ts';

interface HolderInput {
  name: string;
  email: string;
  phone: string;
  isOwner: boolean;
}

/** Replaces the holders of a shared login (the owner, if any, among them). */
export function holdersAction(holders: HolderInput[]): ActionSpec {
  return {
    permission: 'manage_shared',
    needsVerification: false,
    async run({ trx, account }) {
      if (!account.shared) throw new DomainError('conflict', 'Only a shared login has holders.');
      await trx.deleteFrom('holders').where('account_id', '=', account.id).execute();
      if (holders.length) {
        await trx
          .insertInto('holders')
          .values(
            holders.map((h) => ({
              id: newId(),
              account_id: account.id,
              name: h.name,
              email: h.email,
              phone: h.phone,
              is_owner: h.isOwner ? 1 : 0,
            })),
          )
          .execute();
      }
      return {
        summary: `${account.username} now has ${holders.length} holder${holders.length === 1 ? '' : 's'}`,
        mailIds: [],
      };
    },
  };
}
