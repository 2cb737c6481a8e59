// The `details` option with a shared secret (docs/security.md): verbose reports
// show error texts only to requests that carry the secret, compared in
// constant time; with the secret unset or empty, to nobody.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

// SHA-256 digests are 32 bytes whatever the input: timingSafeEqual needs equal lengths.
const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

export function detailsForToken (secret: string | undefined): (request: FastifyRequest) => boolean {
  const expected = secret === undefined || secret === '' ? undefined : digest(secret)
  return (request) => {
    const token = request.headers['x-internal-token']
    if (expected === undefined || typeof token !== 'string') return false // fail closed
    return timingSafeEqual(digest(token), expected)
  }
}
