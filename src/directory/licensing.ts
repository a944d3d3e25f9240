import type { License } from './schemas';

/** Only standard and premium agents may be added to, or made assignee of, a guest conversation. */
export const isLicensed = (license: License): boolean => license === 'standard' || license === 'premium';

/** A service is assignable while at least one of its members is licensed. */
export const isAssignable = (members: ReadonlyArray<{ license: License }>): boolean =>
  members.some((member) => isLicensed(member.license));
