import { describe, expect, it } from 'vitest';
import { outboundUrlProblem } from '../../src/http/outbound-url';

const production = { allowLoopback: false };
const development = { allowLoopback: true };

describe('outbound URLs (busy feeds, webhook endpoints)', () => {
  it('allows public http(s) hosts and public IP literals', () => {
    for (const url of [
      'https://calendar.google.com/calendar/ical/x/basic.ics',
      'http://feeds.example.com:8080/busy.ics',
      'https://93.184.215.14/x',
      'https://[2606:4700:4700::1111]/x',
      'https://172.32.0.1/x', // just outside 172.16/12
      'https://11.0.0.1/x',
    ]) {
      expect(outboundUrlProblem(url, production), url).toBeNull();
    }
  });

  it('refuses loopback, private, link-local and other non-public addresses, however written', () => {
    for (const url of [
      'http://127.0.0.1/x',
      'http://127.1.2.3:8787/x',
      'http://2130706433/x', // 127.0.0.1 as one number
      'http://0x7f.1/x', // and in hex
      'http://10.1.2.3/x',
      'http://172.16.0.1/x',
      'http://172.31.255.255/x',
      'http://192.168.1.10/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://0.0.0.0/x',
      'http://100.64.0.1/x',
      'http://224.0.0.1/x',
      'http://255.255.255.255/x',
      'http://[::1]/x',
      'http://[::]/x',
      'http://[fc00::1]/x',
      'http://[fd12:3456::1]/x',
      'http://[fe80::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://[::ffff:10.0.0.1]/x',
      'http://[64:ff9b::a9fe:a9fe]/x', // NAT64 of 169.254.169.254
      'http://[2001:db8::1]/x',
      'http://localhost/x',
      'http://LOCALHOST./x',
      'http://api.localhost/x',
      'http://metadata.google.internal/x',
      'http://printer.local/x',
      'http://router.home.arpa/x',
      'http://intranet/x', // a single label is nobody's public name
    ]) {
      expect(outboundUrlProblem(url, production), url).toMatch(/not a public|not allowed/);
    }
  });

  it('refuses other schemes and unreadable URLs', () => {
    for (const url of ['ftp://files.example.com/x', 'file:///etc/passwd', 'not a url', 'javascript:alert(1)']) {
      expect(outboundUrlProblem(url, production), url).not.toBeNull();
    }
  });

  it('allows loopback in development only, and nothing else private', () => {
    for (const url of ['http://127.0.0.1:8787/x', 'http://localhost:9000/x', 'http://[::1]:9000/x', 'http://feeds.localhost/x']) {
      expect(outboundUrlProblem(url, development), url).toBeNull();
      expect(outboundUrlProblem(url, production), url).not.toBeNull();
    }
    for (const url of ['http://10.0.0.1/x', 'http://169.254.169.254/x', 'http://[fd00::1]/x', 'http://db.internal/x']) {
      expect(outboundUrlProblem(url, development), url).not.toBeNull();
    }
  });
});
