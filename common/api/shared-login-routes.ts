/**
 * Admin API operations of shared logins beyond the generic actions (conversion planning:
 * suggested usernames, clash checks). Spread into `API` (routes.ts).
 */
export const SHARED_LOGIN_ROUTES = {};
