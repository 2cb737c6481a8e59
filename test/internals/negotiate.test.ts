import t from 'tap'
import { negotiate, type Format } from '../../lib/negotiate.js'

const cases: Array<[string | undefined, Format, string]> = [
  // The fast path: no parsing.
  [undefined, 'json', 'no Accept (busybox wget, some load balancers)'],
  ['*/*', 'json', 'the kubelet, curl'],
  ['application/json', 'json', 'JSON'],
  ['text/plain', 'text', 'kube-apiserver\'s text'],
  ['application/health+json', 'health', 'health+json'],
  // Parsed.
  ['', 'json', 'an empty header'],
  ['TEXT/Plain', 'text', 'types are case-insensitive'],
  [' text/plain ', 'text', 'whitespace'],
  ['text/*', 'text', 'a subtype wildcard'],
  ['application/*', 'json', 'a wildcard that matches JSON and health+json: JSON wins the tie'],
  ['text/plain, application/json', 'json', 'equally specific, equal quality: JSON'],
  ['application/health+json, text/plain', 'health', 'equally specific, equal quality, neither JSON: the one named first'],
  ['text/plain, application/health+json', 'text', 'the one named first'],
  ['text/plain, */*', 'text', 'a named type beats a wildcard at the same quality'],
  ['text/plain;q=0.9, */*', 'json', 'a higher quality beats a named type'],
  ['application/json, text/plain, */*', 'json', 'axios'],
  ['application/json, */*', 'json', 'kubectl get --raw'],
  ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'json', 'a browser'],
  ['text/plain;q=0.5, application/json;q=0.4', 'text', 'q-values'],
  ['application/health+json;q=1.0, application/json;q=0.999', 'health', 'three decimals'],
  ['application/json;q=0, text/plain', 'text', 'q=0: JSON is not acceptable'],
  ['application/json;q=0, */*', 'text', 'q=0 on JSON outranks the wildcard for JSON only; text is offered before health+json'],
  ['application/json;q=0, application/health+json;q=0.5, */*;q=0.1', 'health', 'quality decides among the acceptable'],
  ['text/plain;q=0, */*', 'json', 'the most specific range decides: text is not acceptable'],
  ['text/plain;q=0', 'json', 'nothing acceptable: JSON anyway, never 406'],
  ['*/*;q=0', 'json', 'nothing acceptable at all: JSON'],
  ['text/html', 'json', 'an unknown type'],
  ['image/png, text/csv', 'json', 'only unknown types'],
  ['garbage', 'json', 'no slash'],
  ['text/', 'json', 'no subtype'],
  ['*/plain', 'json', 'a wildcard type with a named subtype is malformed'],
  ['text/plain;q=2', 'json', 'a q above 1 is malformed: the range is ignored'],
  ['text/plain;q=abc', 'json', 'a q that is not a number'],
  ['text/plain;q=0.1234', 'json', 'more than three decimals'],
  ['text/plain;q=0.', 'json', 'q=0. is zero'],
  ['text/plain;q=1.', 'text', 'q=1. is one'],
  ['text/plain; charset=utf-8', 'text', 'charset=utf-8 is what the text is'],
  ['text/plain; charset="UTF-8"', 'text', 'a quoted, upper-case charset'],
  ['text/plain; charset=iso-8859-1', 'json', 'another charset: not offered'],
  ['text/plain; format=flowed', 'json', 'a parameter no format has: not offered'],
  ['text/plain; format=flowed, text/*;q=0.5', 'text', 'then the wildcard applies'],
  ['text/plain;charset=utf-8;q=0, text/plain', 'json', 'the range with a parameter is the more specific'],
  ['text/plain;q=0.5;level=1', 'text', 'what follows q are accept extensions'],
  ['text/plain;foo="a,b;c", application/json;q=0.1', 'json', 'a quoted comma does not split ranges (and foo is not offered)'],
  ['text/plain;foo="a\\"b,c"', 'json', 'an escaped quote stays inside the string'],
  ['text/plain;level, application/json;q=0.1', 'json', 'a parameter without a value'],
  [',,text/plain,,', 'text', 'empty ranges are skipped'],
  ['application/health+json;q=0.5, application/*;q=0.9', 'json', 'the most specific range decides for health+json; JSON takes the wildcard\'s 0.9'],
  ['text/plain;q=0.5, text/plain;q=0.8', 'text', 'equally specific ranges: the higher quality']
]

t.test('negotiate picks the format by RFC 9110 rules, JSON when in doubt', async (t) => {
  for (const [accept, format, why] of cases) t.equal(negotiate(accept), format, `${JSON.stringify(accept)}: ${why}`)
})
