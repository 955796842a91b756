import { runPhone } from './phone-commands';

/** `npm run phone -- …` (see phone-commands.ts for the commands). */
process.exitCode = await runPhone(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  now: Date.now,
});
