/** The formats a probe answers in: JSON (the default), kube-apiserver's text, and the IETF draft's health+json. */
export type Format = 'json' | 'text' | 'health'

/** What each format is offered as, in the order that breaks ties: JSON first. */
const OFFERS: ReadonlyArray<readonly [type: string, subtype: string, format: Format]> = [
  ['application', 'json', 'json'],
  ['text', 'plain', 'text'],
  ['application', 'health+json', 'health']
]
/** RFC 9110's qvalue: 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/
const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/

/**
 * The format to answer a request in, from its `Accept` header. The kubelet's
 * `*` + `/*`, a missing header and the three exact types are answered by a
 * string comparison, with nothing parsed or allocated. Anything else is parsed
 * by RFC 9110's rules: the most specific media range that matches a format
 * gives its quality, `q=0` means not acceptable, and the highest quality wins;
 * at the same quality a named type beats a wildcard, then JSON wins, then the
 * range named first. A header that accepts none of them (`text/html`,
 * `q=0` on all, garbage) gets JSON: a probe never answers 406.
 */
export function negotiate (accept: string | undefined): Format {
  if (accept === undefined || accept === '*/*' || accept === 'application/json') return 'json'
  if (accept === 'text/plain') return 'text'
  if (accept === 'application/health+json') return 'health'
  return parsed(accept)
}

/** One media range of an `Accept` header: how specifically it names a format, its quality and its position. */
interface Match {
  /** 4 for a named type, 2 for a named subtype, 1 for a `charset=utf-8` parameter; -1 when it names nothing offered. */
  specificity: number
  quality: number
  order: number
}

function parsed (accept: string): Format {
  const best: Match[] = OFFERS.map(() => ({ specificity: -1, quality: 0, order: 0 }))
  const ranges = split(accept, ',')
  for (let order = 0; order < ranges.length; order++) {
    const range = mediaRange(ranges[order])
    if (range === undefined) continue
    for (let i = 0; i < OFFERS.length; i++) {
      const [type, subtype] = OFFERS[i]
      let specificity = range.params
      if (range.type === type) specificity += 4
      else if (range.type !== '*') continue
      if (range.subtype === subtype) specificity += 2
      else if (range.subtype !== '*') continue
      // The most specific range decides; of equally specific ones, the higher quality.
      const current = best[i]
      if (specificity > current.specificity || (specificity === current.specificity && range.quality > current.quality)) {
        best[i] = { specificity, quality: range.quality, order }
      }
    }
  }
  let chosen = 0
  for (let i = 1; i < OFFERS.length; i++) if (preferred(best[i], best[chosen], chosen === 0)) chosen = i
  return best[chosen].quality > 0 ? OFFERS[chosen][2] : 'json'
}

/** Whether a later offer is preferred to the one chosen so far: quality, then specificity; ties go to JSON, then to the range named first, then to the earlier offer. */
function preferred (candidate: Match, leader: Match, leaderIsJson: boolean): boolean {
  if (candidate.quality !== leader.quality) return candidate.quality > leader.quality
  if (candidate.specificity !== leader.specificity) return candidate.specificity > leader.specificity
  return !leaderIsJson && candidate.order < leader.order
}

interface MediaRange {
  type: string
  subtype: string
  /** 1 when it asks for `charset=utf-8`, which every format here is. */
  params: number
  quality: number
}

/**
 * A media range with its parameters, or undefined when it is malformed, has
 * a malformed `q`, or asks for a parameter that no format here has (such as
 * another charset): such a range matches nothing offered.
 */
function mediaRange (text: string): MediaRange | undefined {
  const parts = split(text, ';')
  const name = parts[0].trim().toLowerCase()
  const slash = name.indexOf('/')
  const type = name.slice(0, slash)
  const subtype = name.slice(slash + 1)
  if (slash < 0 || !TOKEN.test(type) || !TOKEN.test(subtype) || (type === '*' && subtype !== '*')) return undefined
  let params = 0
  let quality = 1
  for (let i = 1; i < parts.length; i++) {
    const param = parts[i]
    const equals = param.indexOf('=')
    const key = param.slice(0, equals < 0 ? param.length : equals).trim().toLowerCase()
    let value = equals < 0 ? '' : param.slice(equals + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    if (key === 'q') {
      if (!QVALUE.test(value)) return undefined
      quality = Number(value)
      // What follows q are accept extensions, which do not select a type.
      break
    }
    if (key !== 'charset' || value.toLowerCase() !== 'utf-8') return undefined
    params = 1
  }
  return { type, subtype, params, quality }
}

/** Splits at a separator outside double quotes. */
function split (text: string, separator: ',' | ';'): string[] {
  const parts: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (char === '"') quoted = !quoted
    else if (char === '\\' && quoted) i++
    else if (char === separator && !quoted) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}
