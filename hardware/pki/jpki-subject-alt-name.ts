import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate,
  DirectoryString,
  type Extension as AsnExtension,
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
 * @peculiar/x509 refuses otherName types it does not know (reading any extension of such a
 * certificate throws), so importing this module registers a SubjectAltName class that accepts them.
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

/** Splits GeneralNames into JPKI personal data and the names @peculiar/x509 understands. */
function splitNames(names: readonly GeneralName[]): {
  personal: Partial<JpkiPersonalData>;
  standard: GeneralName[];
} {
  const personal: Partial<JpkiPersonalData> = {};
  const standard: GeneralName[] = [];
  for (const name of names) {
    const field = name.otherName ? FIELD_BY_OID.get(name.otherName.typeId) : undefined;
    if (name.otherName && field) {
      personal[field] = AsnConvert.parse(name.otherName.value, DirectoryString).toString();
    } else {
      standard.push(name);
    }
  }
  return { personal, standard };
}

/** The JPKI personal data of a certificate (empty for an authentication certificate). */
export function readJpkiPersonalData(certificateDer: Uint8Array): Partial<JpkiPersonalData> {
  const certificate = AsnConvert.parse(Buffer.from(certificateDer), Certificate);
  const extension = certificate.tbsCertificate.extensions?.find(
    (item) => item.extnID === id_ce_subjectAltName,
  );
  if (!extension) return {};
  return splitNames(AsnConvert.parse(extension.extnValue.buffer, SubjectAlternativeName)).personal;
}

// The base constructor calls onInit before subclass fields exist, so parsed data is kept aside.
const parsedPersonalData = new WeakMap<object, Partial<JpkiPersonalData>>();

/** SubjectAltName that keeps JPKI personal data aside instead of failing on it. */
export class JpkiSubjectAltNameExtension extends x509.SubjectAlternativeNameExtension {
  /** The JPKI personal-data entries found in the extension. */
  get personalData(): Partial<JpkiPersonalData> {
    return parsedPersonalData.get(this) ?? {};
  }

  override onInit(asn: AsnExtension): void {
    this.type = asn.extnID;
    this.critical = asn.critical;
    this.value = asn.extnValue.buffer;
    const { personal, standard } = splitNames(AsnConvert.parse(asn.extnValue.buffer, SubjectAlternativeName));
    this.names = new x509.GeneralNames(standard);
    parsedPersonalData.set(this, personal);
  }
}

x509.ExtensionFactory.register(id_ce_subjectAltName, JpkiSubjectAltNameExtension);
