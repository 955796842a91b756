import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';

/**
 * Whether `der` is exactly one X.509 certificate in canonical DER: it parses as a Certificate and
 * encodes back to the very same bytes — so no trailing data after it, no non-minimal lengths, no
 * BER-only forms. A certificate then has one encoding, and the bytes a client sends cannot make one
 * card look like many (issue 12, part 3).
 */
export function isCanonicalCertificateDer(der: Uint8Array): boolean {
  try {
    const parsed = AsnParser.parse(der, Certificate);
    const encoded = new Uint8Array(AsnConvert.serialize(parsed));
    return Buffer.from(encoded).equals(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  } catch {
    return false;
  }
}
