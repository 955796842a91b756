import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isValidPinFormat } from '../jpki/pin-format';
import { describeCard } from '../pki/card-summary';
import { PERSONAS, findPersona } from '../pki/personas';
import { TestPkiError } from '../pki/pki-errors';
import { openTestPki } from '../pki/test-pki';
import { CardFileError, loadCardFile, saveCardFile } from '../virtual-card/card-file';

/**
 * `npm run card` — issues virtual My Number Cards from the test PKI of a data directory, lists the
 * personas, and shows what a card file holds (never its PINs).
 */

const USAGE = `usage:
  npm run card -- issue --persona NAME --out FILE [--auth-pin 1234] [--sign-pin ABC123] [--data DIR]
                        [--birth-date YYYY-MM-DD] [--name NAME]
  npm run card -- --list
  npm run card -- show --card FILE

  --data defaults to ./data (the test PKI and issuer master key are created there on first use).`;

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: CliOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };

class UsageError extends Error {}

const OPTIONS = {
  persona: { type: 'string' },
  out: { type: 'string' },
  'auth-pin': { type: 'string' },
  'sign-pin': { type: 'string' },
  data: { type: 'string' },
  'birth-date': { type: 'string' },
  name: { type: 'string' },
  card: { type: 'string' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runCardCli(
  argv: readonly string[],
  output: CliOutput = consoleOutput,
): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine(argv);
    if (values.help) {
      output.out(USAGE);
      return 0;
    }
    if (values.list) return listPersonas(output);
    const [command, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    if (command === 'issue') return await issue(values, output);
    if (command === 'show') return show(values, output);
    throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`card: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof TestPkiError || error instanceof CardFileError) {
      output.err(`card: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

type Values = ReturnType<typeof parseCommandLine>['values'];

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains unknown options and missing values well; keep its words.
    throw new UsageError((error as Error).message);
  }
}

function listPersonas(output: CliOutput): number {
  const width = Math.max(...PERSONAS.map((persona) => persona.name.length));
  for (const persona of PERSONAS) output.out(`${persona.name.padEnd(width)}  ${persona.description}`);
  return 0;
}

async function issue(values: Values, output: CliOutput): Promise<number> {
  if (!values.persona) throw new UsageError('issue needs --persona NAME (see --list)');
  if (!values.out) throw new UsageError('issue needs --out FILE');
  if (!findPersona(values.persona)) {
    throw new UsageError(
      `unknown persona "${values.persona}"; one of: ${PERSONAS.map((p) => p.name).join(', ')}`,
    );
  }
  // Say what is wrong with a PIN, never repeat it.
  if (values['auth-pin'] !== undefined && !isValidPinFormat('auth', values['auth-pin'])) {
    throw new UsageError('--auth-pin must be exactly 4 digits');
  }
  if (values['sign-pin'] !== undefined && !isValidPinFormat('sign', values['sign-pin'])) {
    throw new UsageError('--sign-pin must be 6–16 characters of A–Z and 0–9 (uppercase letters)');
  }
  const out = resolve(values.out);
  if (!existsSync(resolve(out, '..')))
    throw new UsageError(`the folder of --out ${values.out} does not exist`);

  const pki = await openTestPki({ dataDir: resolve(values.data ?? 'data') });
  const card = await pki.issueCard({
    persona: values.persona,
    authPin: values['auth-pin'],
    signPin: values['sign-pin'],
    birthDate: values['birth-date'],
    name: values.name,
  });
  saveCardFile(out, card);
  output.out(
    `issued a "${card.persona}" card${card.jpki ? ` (token serial ${card.jpki.tokenSerial})` : ''} → ${out}`,
  );
  return 0;
}

function show(values: Values, output: CliOutput): number {
  if (!values.card) throw new UsageError('show needs --card FILE');
  for (const line of describeCard(loadCardFile(values.card))) output.out(line);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runCardCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`card: ${(error as Error).stack ?? String(error)}`);
      process.exitCode = 1;
    },
  );
}
