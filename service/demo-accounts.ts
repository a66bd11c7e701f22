import type { AccountInput } from './domain/account-input.ts';
import { PRODUCTS, type PolicyOverrides } from './domain/account-records.ts';
import { DEFAULT_SECURITY_QUESTIONS } from './domain/policy.ts';

const DEMO_HEALTH = 'Demo Health';
const NORTHSIDE = 'Northside Clinic';

/** The demo organizations and their policy changes. */
export const DEMO_ORGANIZATIONS: Record<string, PolicyOverrides> = {
  [DEMO_HEALTH]: { adminTotpExempt: true, adminContact: 'the Demo Health helpdesk, 555-0100' },
  [NORTHSIDE]: {
    externalLoginUrl: 'https://login.northside.example/',
    adminContact: 'the Northside Clinic IT desk, 555-0199',
  },
};

/** One demo account: its input, and the state it is put in after creation. */
export interface DemoSpec {
  organization: string;
  description: string;
  input: Omit<AccountInput, 'organizationId' | 'password'> & { password: string };
  state?: 'locked' | 'disabled';
  superAdmin?: boolean;
}

const [SCHOOL, CITY, STREET, CAR, PET, COUSIN] = DEFAULT_SECURITY_QUESTIONS;
const ALL = PRODUCTS.map((p) => p.code);
const at = (local: string, domain = 'demo.example.org') => `${local}@${domain}`;

/** One account per case of SPEC §1 and §2; every password passes the policy (≥15 characters, R53). */
export const DEMO_ACCOUNTS: DemoSpec[] = [
  {
    organization: DEMO_HEALTH,
    description: 'An ordinary account: security question set, all three products.',
    input: {
      username: 'alice',
      email: at('alice'),
      name: 'Alice Moreno',
      phone: '555-0101',
      products: ALL,
      password: 'amber kettle sunrise 42',
      securityQuestion: SCHOOL,
      securityAnswer: 'Maple Grove Elementary',
    },
  },
  {
    organization: DEMO_HEALTH,
    description:
      'No security question: asked to set one after signing in; a reset email explains how to reach the administrators instead of sending a link.',
    input: {
      username: 'bob',
      email: at('bob'),
      name: 'Bob Okafor',
      products: ['emresource', 'emtrack'],
      password: 'quiet orchard bicycle 17',
    },
  },
  {
    organization: DEMO_HEALTH,
    description:
      'Shares carol@demo.example.org with carol.two: signing in by email asks for the username; the username reminder lists both.',
    input: {
      username: 'carol.one',
      email: at('carol'),
      name: 'Carol Nguyen (day shift)',
      products: ['emresource', 'eics'],
      password: 'silver meadow lantern 08',
      securityQuestion: PET,
      securityAnswer: 'Biscuit',
    },
  },
  {
    organization: DEMO_HEALTH,
    description:
      'Shares carol@demo.example.org with carol.one: a reset by email sends one link per username.',
    input: {
      username: 'carol.two',
      email: at('carol'),
      name: 'Carol Nguyen (county desk)',
      products: ['emtrack'],
      password: 'copper river notebook 23',
      securityQuestion: CITY,
      securityAnswer: 'Duluth',
    },
  },
  {
    organization: DEMO_HEALTH,
    description: 'Must change the password at the next sign-in.',
    input: {
      username: 'dave',
      email: at('dave'),
      name: 'Dave Lindqvist',
      products: ALL,
      password: 'velvet thunder pancake 55',
      securityQuestion: STREET,
      securityAnswer: 'Juniper Lane',
      mustChangePassword: true,
    },
  },
  {
    organization: DEMO_HEALTH,
    description:
      'Locked after too many failed sign-ins, until an administrator unlocks it; the forgotten-password flow still works.',
    input: {
      username: 'erin',
      email: at('erin'),
      name: 'Erin Walsh',
      products: ['emresource', 'eics'],
      password: 'frozen garden trumpet 61',
      securityQuestion: CAR,
      securityAnswer: 'Volvo estate',
    },
    state: 'locked',
  },
  {
    organization: DEMO_HEALTH,
    description: 'Disabled: cannot sign in, and recovery sends nothing.',
    input: {
      username: 'frank',
      email: at('frank'),
      name: 'Frank Adeyemi',
      products: ['emresource'],
      password: 'hollow canyon biscuit 39',
      securityQuestion: PET,
      securityAnswer: 'Pepper',
    },
    state: 'disabled',
  },
  {
    organization: DEMO_HEALTH,
    description:
      'Shared login with three holders and no owner: every holder is told when its password changes.',
    input: {
      username: 'frontdesk.er',
      email: at('frontdesk.er'),
      name: 'Emergency Front Desk',
      phone: '555-0110',
      products: ['emresource', 'emtrack'],
      password: 'purple window compass 74',
      securityQuestion: STREET,
      securityAnswer: 'Harbor Road',
      shared: true,
      holders: [
        { name: 'Hana Ito', email: at('hana.ito'), phone: '555-0111' },
        { name: 'Luis Romero', email: at('luis.romero'), phone: '555-0112' },
        { name: 'Priya Shah', email: at('priya.shah'), phone: '555-0113' },
      ],
    },
  },
  {
    organization: DEMO_HEALTH,
    description:
      'Shared login with an owner (Marta Kowalski): only her answer opens the forgotten-password flow and the link goes to her.',
    input: {
      username: 'nightshift',
      email: at('nightshift'),
      name: 'Night Shift Coordinator',
      products: ALL,
      password: 'midnight coffee anchor 90',
      securityQuestion: COUSIN,
      securityAnswer: 'Marguerite',
      shared: true,
      holders: [
        { name: 'Marta Kowalski', email: at('marta.kowalski'), phone: '555-0121', isOwner: true },
        { name: 'Sam Reed', email: at('sam.reed'), phone: '555-0122' },
      ],
    },
  },
  {
    organization: NORTHSIDE,
    description:
      'Northside Clinic moved to an external login service: the reset email points to https://login.northside.example/.',
    input: {
      username: 'grace',
      email: at('grace', 'northside.example.org'),
      name: 'Grace Kim',
      products: ['eics'],
      password: 'granite puzzle harvest 12',
      securityQuestion: PET,
      securityAnswer: 'Noodle',
    },
  },
  {
    organization: DEMO_HEALTH,
    description:
      'Super-administrator of every organization (console); Demo Health exempts it from TOTP.',
    input: {
      username: 'admin',
      email: at('admin'),
      name: 'Demo Administrator',
      products: ['emresource'],
      password: 'observant falcon ledger 2026',
      securityQuestion: SCHOOL,
      securityAnswer: 'Riverbend Academy',
    },
    superAdmin: true,
  },
];
