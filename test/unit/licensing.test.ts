import { describe, expect, it } from 'vitest';
import { isAssignable, isLicensed } from '../../src/directory/licensing';

describe('licensing rules', () => {
  it('counts standard and premium as licensed, basic not', () => {
    expect(isLicensed('standard')).toBe(true);
    expect(isLicensed('premium')).toBe(true);
    expect(isLicensed('basic')).toBe(false);
  });

  it('makes a service assignable only with at least one licensed member', () => {
    expect(isAssignable([])).toBe(false);
    expect(isAssignable([{ license: 'basic' }, { license: 'basic' }])).toBe(false);
    expect(isAssignable([{ license: 'basic' }, { license: 'premium' }])).toBe(true);
  });
});
