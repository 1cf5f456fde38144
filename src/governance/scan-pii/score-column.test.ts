import { describe, expect, it } from 'vitest';
import { nameSignals, nameTokens } from './column-name-signals.js';
import { categoryOf } from './pii-categories.js';
import { withoutQuotedValues } from './scan-relations.js';
import { scoreColumn } from './score-column.js';
import { isNationalId, isPaymentCard, isPhone, type DetectContext } from './value-detectors.js';

const ctx: DetectContext = { phoneRegion: 'US', birthYears: [1916, 2026] };
const column = (name: string, values: string[], type = 'VARCHAR') => scoreColumn({ name, type, values }, ctx);

describe('value detectors', () => {
  it('accepts SSNs only outside the ranges never issued (000, 666, 9xx areas; 00 groups; 0000 serials)', () => {
    expect(isNationalId('123-45-6789')).toBe(1);
    for (const invalid of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000']) expect(isNationalId(invalid), invalid).toBe(0);
    expect(isNationalId('AB 12 34 56 C')).toBe(1); // a UK National Insurance number
  });

  it('accepts card numbers that pass Luhn with an issuer prefix, with spaces or dashes', () => {
    expect(isPaymentCard('4111 1111 1111 1111')).toBe(true);
    expect(isPaymentCard('4111-1111-1111-1112')).toBe(false); // Luhn fails
    expect(isPaymentCard('9111111111111111')).toBe(false); // no issuer
  });

  it('reads phone numbers against numbering plans, and not IPs, dates or decimals', () => {
    expect(isPhone('(415) 555-2671', ctx)).toBe(1);
    expect(isPhone('+44 20 7946 0958', ctx)).toBe(1);
    expect(isPhone('4155552671', ctx)).toBe(0.6);
    for (const other of ['123-456-7890', '10.20.30.40', '1980-01-02', '12345.678']) expect(isPhone(other, ctx), other).toBe(0);
  });
});

describe('column names', () => {
  it('splits snake, kebab and camel case', () => {
    expect(nameTokens('customerEmail2')).toEqual(['customer', 'email', '2']);
    expect(nameTokens('e-mail_Addr')).toEqual(['e', 'mail', 'addr']);
  });

  it('scores PII names up and look-alike names down', () => {
    expect(nameSignals('e_mail').email).toBeGreaterThan(0.8);
    expect(nameSignals('first_name').name).toBeGreaterThan(0.8);
    expect(nameSignals('mail_status').email).toBeLessThan(0);
    expect(nameSignals('email_address').address).toBeLessThanOrEqual(0);
    expect(nameSignals('product_name').name).toBeLessThan(0);
  });

  it('reads classification spellings as categories', () => {
    expect(categoryOf('E-Mail')).toBe('email');
    expect(categoryOf('ssn')).toBe('national_id');
    expect(categoryOf('credit_card')).toBe('payment_card');
    expect(categoryOf('health')).toBeUndefined();
  });
});

describe('a column verdict', () => {
  const cards = ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4012888888881881', '5105105105105100', '371449635398431', '6011000990139424', '4222222222222', '4000056655665556'];
  it('finds cards by their values alone, but not a dense run of Luhn-valid order numbers', () => {
    expect(column('col_1', cards)).toMatchObject({ category: 'payment_card', sampled: 10, matched: 10 });
    const orders = Array.from({ length: 50 }, (_, i) => {
      const body = String(400012345678900 + i);
      let sum = 0;
      for (let j = 0; j < body.length; j++) {
        let d = Number(body[body.length - 1 - j]);
        if (j % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
      }
      return body + ((10 - (sum % 10)) % 10);
    });
    expect(orders.every((o) => isPaymentCard(o))).toBe(true);
    expect(column('col_2', orders)).toBeUndefined();
  });

  it('finds IPs, but not version strings shaped like them', () => {
    expect(column('peer', ['81.2.69.160', '10.0.0.17', '192.168.1.254', '172.16.4.9'])?.category).toBe('ip_address');
    expect(column('peer', ['1.2.3.4', '2.14.0.3', '3.1.0.12', '1.0.0.1'])).toBeUndefined();
  });

  it('takes a date of birth from a date column only when its name says so', () => {
    const dates = ['1964-03-02', '1988-11-30', '1979-07-15', '2001-01-09'];
    expect(column('birth_date', dates, 'DATE')?.category).toBe('date_of_birth');
    expect(column('shipped_on', dates, 'DATE')).toBeUndefined();
  });

  it('lets a name alone count when nothing was sampled, and values that contradict it weaken it', () => {
    expect(column('email', [])?.category).toBe('email');
    expect(column('email', Array.from({ length: 20 }, (_, i) => `${i}f3a9c0e1b2d4f5a6b7c8d9e0f1a2b3c4`))).toBeUndefined();
  });
});

describe('engine messages', () => {
  it('lose their quoted values, which may be data', () => {
    expect(withoutQuotedValues("Conversion Error: Could not convert string 'jane@example.com' to INT32\nLINE 1: select")).toBe("Conversion Error: Could not convert string '…' to INT32");
  });
});
