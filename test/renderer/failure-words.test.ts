import { describe, expect, it } from 'vitest';
import { CONNECTION_PROBLEMS } from '../../common/ipc/failure-reason.ts';
import { failureMessage, failureReasonWords } from '../../renderer/ipc/failure-words.ts';

// Main answers codes and data; these are the words the person at the keyboard reads (issue 19).

describe('failure words', () => {
  it('words every connection problem main can report, naming the connection', () => {
    for (const problem of CONNECTION_PROBLEMS) {
      const words = failureReasonWords({
        problem,
        name: 'Hospital',
        host: 'h.example',
        status: 502,
      });
      expect(words).toMatch(/^[A-Z].*\.$/);
      if (!problem.startsWith('key_store')) expect(words).toContain('Hospital');
    }
    expect(
      failureReasonWords({ problem: 'unreachable', name: 'Gone', host: '10.0.0.1:8443' }),
    ).toBe('Cannot reach Gone (10.0.0.1:8443). Check the network or the address.');
  });

  it('words a refusal of main’s own from its data', () => {
    expect(
      failureReasonWords({ problem: 'set_by_machine', setting: 'logLevel', origin: 'config-file' }),
    ).toBe('The log level is set by the machine-wide configuration file.');
  });

  it('keeps the service’s message, except where the console has its own words for the code', () => {
    const failure = { ok: false as const, message: 'From the service.' };
    expect(failureMessage({ ...failure, code: 'not_found' })).toBe('From the service.');
    expect(failureMessage({ ...failure, code: 'totp_enrollment_required' })).toBe(
      'This account has no authenticator app yet. Ask an administrator to help you set one up.',
    );
  });
});
