import { runOps } from './ops-commands';

/** `npm run ops -- …` (see ops-commands.ts for the commands). */
process.exitCode = await runOps(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
