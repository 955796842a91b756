import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** @peculiar/x509 wired to Node's WebCrypto once, for every verification module. */
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
