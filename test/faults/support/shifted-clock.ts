/**
 * Preloaded (`node --import`) into a process under test: its clock starts at FAULT_CLOCK_START_MS
 * (the test's clock when it spawned the process) and runs on at the real clock's pace, like
 * faketime. The API entry takes `Date.now` as its server clock, so a fault test can run the real
 * `npm run api` entry inside the service window whatever the real hour — and whatever clock the
 * test process itself is on.
 */
const start = Number(process.env['FAULT_CLOCK_START_MS']);
if (!Number.isFinite(start)) throw new Error('FAULT_CLOCK_START_MS must be an epoch time in ms');
const realNow = Date.now.bind(Date);
const realStart = realNow();
Date.now = () => start + (realNow() - realStart);
