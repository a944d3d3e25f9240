// How an email or phone answer must look, shared by the server's check (./prechat.ts) and the
// widget's hints (static/src/chat-prechat.ts): kept free of imports so the widget bundles no zod.

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Digits with the usual separators and an optional leading +; 6 to 15 digits (E.164's bound).
const PHONE = /^\+?[0-9 ()./-]+$/;

export const looksLikeEmail = (value: string): boolean => EMAIL.test(value);

export function looksLikePhone(value: string): boolean {
  const digits = value.replace(/\D/g, '').length;
  return PHONE.test(value) && digits >= 6 && digits <= 15;
}
