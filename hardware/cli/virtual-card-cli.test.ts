import { describe, expect, it } from 'vitest';
import { parseVpcdEndpoint } from './virtual-card-cli';

describe('virtual-card --vpcd', () => {
  it('reads HOST:PORT, with IPv6 hosts in brackets', () => {
    expect(parseVpcdEndpoint('127.0.0.1:35963')).toEqual({ host: '127.0.0.1', port: 35963 });
    expect(parseVpcdEndpoint('localhost:35964')).toEqual({ host: 'localhost', port: 35964 });
    expect(parseVpcdEndpoint('[::1]:35963')).toEqual({ host: '::1', port: 35963 });
  });

  it('refuses anything else with the expected form in the message', () => {
    for (const bad of ['35963', 'localhost', 'host:0', 'host:70000', ':35963', 'a:b']) {
      expect(() => parseVpcdEndpoint(bad)).toThrow(/--vpcd must be HOST:PORT/);
    }
  });
});
