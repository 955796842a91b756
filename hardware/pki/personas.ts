import type { CaKind } from './pki-layout';
import { x509 } from './x509';

/**
 * The people the test PKI issues cards for (DESIGN §2): each persona is one situation a kiosk or
 * the phone step must handle. Descriptions are Japanese first, for operators, then English.
 */

export type CertificateTiming =
  | 'current' // issued now, valid to the 5th birthday
  | 'expired' // issued over five years ago: NotAfter has passed
  | 'expiring-soon'; // NotAfter about two months ahead (the kiosk's renewal hint)

export interface JpkiPersona {
  kind: 'jpki';
  name: string;
  description: string;
  authTriesLeft: number;
  signTriesLeft: number;
  timing: CertificateTiming;
  /** Certificates put on their CA's CRL at issue, with the CRL reason. */
  revoked: Partial<Record<CaKind, x509.X509CrlReason>>;
}

export interface NonJpkiPersona {
  kind: 'non-jpki';
  name: string;
  description: string;
}

export type Persona = JpkiPersona | NonJpkiPersona;

const full = { authTriesLeft: 3, signTriesLeft: 5, timing: 'current', revoked: {} } as const;

export const PERSONAS: readonly Persona[] = [
  {
    kind: 'jpki',
    name: 'healthy',
    description:
      '正常なカード（両方の暗証番号とも残り回数いっぱい） — healthy card, both PINs with every try left',
    ...full,
  },
  {
    kind: 'jpki',
    name: 'sign-pin-blocked',
    description: '署名用パスワードがロック（典型的な利用者） — signature PIN blocked, the typical customer',
    ...full,
    signTriesLeft: 0,
  },
  {
    kind: 'jpki',
    name: 'sign-pin-1-try',
    description: '署名用パスワードの残り1回 — signature PIN with 1 try left',
    ...full,
    signTriesLeft: 1,
  },
  {
    kind: 'jpki',
    name: 'auth-pin-blocked',
    description: '利用者証明用暗証番号がロック — user-authentication PIN blocked',
    ...full,
    authTriesLeft: 0,
  },
  {
    kind: 'jpki',
    name: 'auth-pin-1-try',
    description: '利用者証明用暗証番号の残り1回 — user-authentication PIN with 1 try left',
    ...full,
    authTriesLeft: 1,
  },
  {
    kind: 'jpki',
    name: 'auth-cert-expired',
    description:
      '利用者証明用電子証明書の有効期限切れ（署名用も同時に発行されたため期限切れ） — authentication certificate expired (the signature one too: issued together)',
    ...full,
    timing: 'expired',
  },
  {
    kind: 'jpki',
    name: 'auth-cert-revoked',
    description:
      '利用者証明用電子証明書が失効（CRL掲載） — authentication certificate revoked, on the auth CA CRL',
    ...full,
    revoked: { auth: x509.X509CrlReason.keyCompromise },
  },
  {
    kind: 'jpki',
    name: 'sign-cert-revoked',
    description:
      '転居により署名用電子証明書が失効（CRL掲載） — moved house: signature certificate revoked (affiliationChanged) on the sign CA CRL',
    ...full,
    revoked: { sign: x509.X509CrlReason.affiliationChanged },
  },
  {
    kind: 'jpki',
    name: 'cert-expiring-soon',
    description:
      '電子証明書の有効期限まで約2か月（更新案内の表示用） — both certificates expire in about two months',
    ...full,
    timing: 'expiring-soon',
  },
  {
    kind: 'non-jpki',
    name: 'non-jpki',
    description:
      'マイナンバーカードではないカード（JPKI APなし） — not a My Number Card: another ATR, no JPKI application',
  },
];

/** The persona called `name`, or undefined. */
export function findPersona(name: string): Persona | undefined {
  return PERSONAS.find((persona) => persona.name === name);
}
