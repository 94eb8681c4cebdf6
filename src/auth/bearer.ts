/** The token of an `Authorization: Bearer <token>` value, or null when the value is not one. */
export function bearerToken(authorization: string | null | undefined): string | null {
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization.trim()) : null;
  return match ? match[1]! : null;
}
