import type { CardFile, PinState } from '../virtual-card/card-file';
import { RESET_FAILURE_LIMIT } from '../jpki/constants';
import { readJpkiPersonalData } from './jpki-subject-alt-name';
import { x509 } from './x509';

/**
 * A card file described for operators: persona, serial, PIN counters, certificates. Never the PIN
 * values, the private keys or the reset key — the summary may be pasted into a ticket.
 */
export function describeCard(card: CardFile): string[] {
  const lines = [`persona       ${card.persona}`, `ATR           ${card.atr}`];
  const jpki = card.jpki;
  if (!jpki) return [...lines, 'JPKI          none (not a My Number Card)'];
  lines.push(
    `token serial  ${jpki.tokenSerial}`,
    `label         ${jpki.label}`,
    `auth PIN      ${describePin(jpki.authPin)}`,
    `sign PIN      ${describePin(jpki.signPin)}`,
    `reset         ${jpki.resetFailures} wrong cryptogram(s) in a row (${RESET_FAILURE_LIMIT} block the reset)`,
    ...describeCertificate('auth cert', jpki.authCertificate),
    ...describeCertificate('sign cert', jpki.signCertificate),
  );
  const holder = safely(() => readJpkiPersonalData(Buffer.from(jpki.signCertificate, 'base64')));
  if (holder?.name !== undefined) {
    lines.push(
      `  holder      ${holder.name}, born ${holder.birthDate ?? '?'} (era code + YYYYMMDD), sex code ${holder.sex ?? '?'}`,
    );
    lines.push(`  address     ${holder.address ?? '?'}`);
  }
  return lines;
}

function describePin(pin: PinState): string {
  const state = pin.triesLeft === 0 ? ' — BLOCKED' : pin.triesLeft === 1 ? ' — last try' : '';
  return `${pin.triesLeft}/${pin.maxTries} tries left${state}`;
}

function describeCertificate(label: string, base64Der: string): string[] {
  const certificate = safely(
    () => new x509.X509Certificate(new Uint8Array(Buffer.from(base64Der, 'base64'))),
  );
  if (!certificate) return [`${label.padEnd(13)} unreadable`];
  return [
    `${label.padEnd(13)} ${certificate.subject}`,
    `  issuer      ${certificate.issuer}`,
    `  serial      ${certificate.serialNumber}`,
    `  valid       ${certificate.notBefore.toISOString()} → ${certificate.notAfter.toISOString()}`,
  ];
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
