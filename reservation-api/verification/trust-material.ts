import type { IssuerRecordIndex } from '../../hardware/pki/issuer-record';
import type { x509 } from './x509';

/**
 * What certificate verification trusts: the JPKI CA certificates per certificate kind (separate
 * CAs issue user-authentication and signature certificates), any intermediate CA certificates, and
 * the current CRLs. In production these come from J-LIS; here from the test PKI's data directory.
 */
export interface TrustMaterial {
  /** Trust anchors for user-authentication certificates. */
  authAnchors: readonly x509.X509Certificate[];
  /** Trust anchors for signature certificates. */
  signAnchors: readonly x509.X509Certificate[];
  /** Intermediate CA certificates, if the issuers have any. */
  intermediates: readonly x509.X509Certificate[];
  crls: readonly x509.X509Crl[];
  /**
   * The issuer record (DESIGN §3): the token serial of the card each certificate was issued on, by
   * issuer and serial number. The reset key is derived only from the serial this gives.
   */
  issuerRecord: IssuerRecordIndex;
}

/** Gives the current trust material (a source may reload CRLs when their files change). */
export interface TrustSource {
  current(): TrustMaterial;
}

/** A fixed trust source. */
export function staticTrust(material: TrustMaterial): TrustSource {
  return { current: () => material };
}
