import { describe, expect, it } from 'vitest';
import { actorWords, detailFields } from '../../renderer/features/audit/audit-fields.ts';
import { formatTime } from '../../renderer/format/time.ts';

// Issue 15: an audit event's detail reads as labelled fields in words; the raw JSON (and every
// id) stays behind "Show raw".

describe('an audit event’s detail in words', () => {
  it('an administrator action: summary, action, reason as typed, ticket, verification, holder', () => {
    const at = Date.UTC(2026, 11, 7, 14, 32);
    const fields = detailFields(
      {
        action: 'reset-shared-login',
        reason: 'caller_id checked on the phone',
        ticket: 'HD-1001',
        verification: 'answer',
        verificationId: 'ver-1',
        summary: 'Reset email queued for a…@example.org, link valid until 14:32 UTC',
        linkExpiresAt: at,
        onBehalfOf: 'h-2',
      },
      { holders: new Map([['h-2', 'Priya Shah']]) },
    );
    expect(fields).toEqual([
      ['Summary', `Reset email queued for a…@example.org, link valid until ${formatTime(at)}`],
      ['Action', 'reset the shared login'],
      ['Reason', 'caller_id checked on the phone'],
      ['Ticket', 'HD-1001'],
      ['Caller verification', 'caller verified by security answer'],
      ['Holder', 'Priya Shah'],
    ]);
  });

  it('a failed sign-in and the lock: reason, failed count, via, trigger, until', () => {
    expect(detailFields({ reason: 'wrong_password', failedCount: 3, via: 'api' })).toEqual([
      ['Reason', 'wrong password'],
      ['Failed count', '3'],
      ['Via', 'a product’s sign-in (API)'],
    ]);
    expect(detailFields({ failedCount: 5, until: null, trigger: 'security_question' })).toEqual([
      ['Triggered by', 'wrong security answer'],
      ['Failed count', '5'],
      ['Locked until', 'an administrator unlocks it'],
    ]);
  });

  it('a caller verification, a role grant by organization name, and an unknown key', () => {
    expect(detailFields({ method: 'email_code', result: 'no_match' })).toEqual([
      ['Verification method', 'emailed code'],
      ['Result', 'no match'],
    ]);
    const orgs = { organizations: new Map([['org-1', 'Demo Health']]) };
    expect(
      detailFields({ action: 'grant-role', role: 'helpdesk', roleOrganizationId: 'org-1' }, orgs),
    ).toEqual([
      ['Action', 'granted a console role'],
      ['Role', 'helpdesk'],
      ['In organization', 'Demo Health'],
    ]);
    expect(detailFields({ roleOrganizationId: null })).toEqual([
      ['In organization', 'every organization'],
    ]);
    expect(detailFields({ roleOrganizationId: 'org-9' })).toEqual([
      ['In organization', 'an organization the console cannot name'],
    ]);
    expect(detailFields({ endedSessions: 2, newThing: 'x', nested: { a: 1 } })).toEqual([
      ['Sessions ended', '2'],
      ['New thing', 'x'],
    ]);
  });

  it('the actor by username where known, never a bare id', () => {
    expect(actorWords('acc-7', 'ada.admin')).toBe('ada.admin');
    expect(actorWords('self', null)).toBe('the account holder');
    expect(actorWords('system', null)).toBe('the system');
    expect(actorWords('acc-7', null)).not.toContain('acc-7');
  });
});
