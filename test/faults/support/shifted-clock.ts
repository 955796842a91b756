/**
 * Preloaded (`node --import`) into a process under test: its clock reads the real time plus
 * FAULT_CLOCK_OFFSET_MS, like faketime. The API entry takes `Date.now` as its server clock, so a
 * fault test can run the real `npm run api` entry inside the service window whatever the real hour.
 */
const offset = Number(process.env['FAULT_CLOCK_OFFSET_MS'] ?? '0');
if (!Number.isFinite(offset)) throw new Error('FAULT_CLOCK_OFFSET_MS must be a number');
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + offset;
