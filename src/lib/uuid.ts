/** go-uuid's ParseUUID shape: 36 characters, hyphens at 8, 13, 18 and 23, hex (either case) elsewhere. */
const uuidRe = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUUID(s: string): boolean {
  return uuidRe.test(s);
}
