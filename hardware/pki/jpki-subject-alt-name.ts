import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate,
  DirectoryString,
  GeneralName,
  OtherName,
  SubjectAlternativeName,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { x509 } from './x509';

/**
 * The signature certificate's SubjectAltName: the holder's basic four facts (基本4情報) as otherName
 * entries under J-LIS's personal-data arc 1.2.392.200149.8.5.5, each value a UTF8String. OIDs and
 * the birth-date form (era code + Gregorian YYYYMMDD) as public JPKI clients read real certificates.
 *
 * @peculiar/x509 silently drops otherName types it does not know from `SubjectAlternativeNameExtension
 * .names`, so the entries are read here with the ASN.1 schema classes it is built on.
 */

export const JPKI_PERSONAL_DATA_OIDS = {
  name: '1.2.392.200149.8.5.5.1',
  nameSubstitute: '1.2.392.200149.8.5.5.2',
  sex: '1.2.392.200149.8.5.5.3',
  birthDate: '1.2.392.200149.8.5.5.4',
  address: '1.2.392.200149.8.5.5.5',
  addressSubstitute: '1.2.392.200149.8.5.5.6',
} as const;

export type JpkiPersonalDataField = keyof typeof JPKI_PERSONAL_DATA_OIDS;
/** The holder's facts as the certificate carries them (strings, as encoded). */
export type JpkiPersonalData = Record<JpkiPersonalDataField, string>;

const FIELD_BY_OID = new Map<string, JpkiPersonalDataField>(
  Object.entries(JPKI_PERSONAL_DATA_OIDS).map(([field, oid]) => [oid, field as JpkiPersonalDataField]),
);

/** The SubjectAltName extension carrying `data`, in the order of the OIDs. */
export function jpkiSubjectAltNameExtension(data: JpkiPersonalData): x509.Extension {
  const names = (Object.keys(JPKI_PERSONAL_DATA_OIDS) as JpkiPersonalDataField[]).map(
    (field) =>
      new GeneralName({
        otherName: new OtherName({
          typeId: JPKI_PERSONAL_DATA_OIDS[field],
          value: AsnConvert.serialize(new DirectoryString({ utf8String: data[field] })),
        }),
      }),
  );
  return new x509.Extension(
    id_ce_subjectAltName,
    false,
    AsnConvert.serialize(new SubjectAlternativeName(names)),
  );
}

/** The JPKI personal-data entries among GeneralNames (other names are ignored). */
function personalDataIn(names: readonly GeneralName[]): Partial<JpkiPersonalData> {
  const personal: Partial<JpkiPersonalData> = {};
  for (const name of names) {
    const field = name.otherName ? FIELD_BY_OID.get(name.otherName.typeId) : undefined;
    if (name.otherName && field) {
      personal[field] = AsnConvert.parse(name.otherName.value, DirectoryString).toString();
    }
  }
  return personal;
}

/** The JPKI personal data of a certificate (empty for an authentication certificate). */
export function readJpkiPersonalData(certificateDer: Uint8Array): Partial<JpkiPersonalData> {
  const certificate = AsnConvert.parse(Buffer.from(certificateDer), Certificate);
  const extension = certificate.tbsCertificate.extensions?.find(
    (item) => item.extnID === id_ce_subjectAltName,
  );
  if (!extension) return {};
  return personalDataIn(AsnConvert.parse(extension.extnValue.buffer, SubjectAlternativeName));
}
