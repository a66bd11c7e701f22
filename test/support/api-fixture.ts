import { seedAccount, seedOrganization, type SeedAccount } from './accounts.ts';
import { startTestService, type TestService } from './service.ts';
import { startSmtp, type SmtpCatcher } from './smtp.ts';

/** A service with a real SMTP server and one organization: what most admin API tests start from. */
export interface ApiFixture {
  svc: TestService;
  smtp: SmtpCatcher;
  org: string;
  /** A new account in the organization: `stem` numbered, its address at example.org unless given. */
  person(
    stem: string,
    o?: Partial<SeedAccount>,
  ): Promise<{ id: string; username: string; email: string }>;
  close(): Promise<void>;
}

/** Starts the service and SMTP server, and seeds the organization (TOTP exempt, with its contact). */
export async function startApiFixture(organization: string, contact: string): Promise<ApiFixture> {
  const smtp = await startSmtp();
  const svc = await startTestService({ smtp });
  const org = await seedOrganization(svc.ctx, organization, {
    adminTotpExempt: true,
    adminContact: contact,
  });
  let counter = 0;
  return {
    svc,
    smtp,
    org,
    async person(stem, o = {}) {
      const username = `${stem}${(counter += 1)}`;
      const email = o.email ?? `${username}@example.org`;
      const id = await seedAccount(svc.ctx, { organizationId: org, username, ...o, email });
      return { id, username, email };
    },
    async close() {
      await svc.close();
      await smtp.close();
    },
  };
}
