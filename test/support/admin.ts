import type { Role } from '../../common/api/auth.ts';
import type { ServiceContext } from '../../service/context.ts';
import { newId } from '../../service/ids.ts';
import { seedAccount } from './accounts.ts';

export const ADMIN_PASSWORD = 'granite owl measures twilight';

/** An account holding a role (in an organization, or everywhere for super_admin); answers its id. */
export async function seedAdmin(
  ctx: ServiceContext,
  o: { organizationId: string; username: string; role: Role; grantOrganizationId?: string | null },
): Promise<string> {
  const id = await seedAccount(ctx, {
    organizationId: o.organizationId,
    username: o.username,
    password: ADMIN_PASSWORD,
  });
  const organizationId =
    o.role === 'super_admin' ? null : (o.grantOrganizationId ?? o.organizationId);
  await ctx.db
    .insertInto('role_grants')
    .values({
      id: newId(),
      account_id: id,
      role: o.role,
      organization_id: organizationId,
      created_at: ctx.clock.now(),
    })
    .execute();
  return id;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A JSON client of the admin API over real HTTP, holding one access token. */
export class ApiClient {
  token: string | undefined;
  refreshToken: string | undefined;

  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }

  get<T = Record<string, unknown>>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }

  post<T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }

  /** Signs in; throws with the API's error when it refuses. */
  async signIn(username: string, password = ADMIN_PASSWORD, totp?: string): Promise<void> {
    const response = await this.post<{ accessToken: string; refreshToken: string }>(
      '/api/v1/auth/sign-in',
      { username, password, ...(totp ? { totp } : {}) },
    );
    if (response.status !== 200)
      throw new Error(`sign-in of ${username} refused: ${JSON.stringify(response.body)}`);
    this.token = response.body.accessToken;
    this.refreshToken = response.body.refreshToken;
  }
}

/** A signed-in client for an administrator seeded with `seedAdmin`. */
export async function signedInClient(baseUrl: string, username: string): Promise<ApiClient> {
  const client = new ApiClient(baseUrl);
  await client.signIn(username);
  return client;
}
