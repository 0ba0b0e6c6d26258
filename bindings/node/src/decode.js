// The decoder of the result tape (src/tape.rs says what the tape holds). Evaluated once per
// JavaScript thread by the addon; the value of this script is the decoder function.
;(function () {
  'use strict'
  const LONG = 0x1fff
  const keys = []
  const bits = new Uint16Array(4)
  const number = new Float64Array(bits.buffer)
  const defineProperty = Object.defineProperty
  let ops = ''
  let at = 0
  let text = ''
  let textAt = 0

  function operandOf(unit) {
    const n = unit >>> 3
    if (n !== LONG) return n
    const low = ops.charCodeAt(at)
    const high = ops.charCodeAt(at + 1)
    at += 2
    return low + high * 0x10000
  }

  function slice(n) {
    const s = text.slice(textAt, textAt + n)
    textAt += n
    return s
  }

  function value() {
    const unit = ops.charCodeAt(at++)
    const n = operandOf(unit)
    switch (unit & 7) {
      case 0:
        return n === 0 ? null : n === 2
      case 1:
        bits[0] = ops.charCodeAt(at)
        bits[1] = ops.charCodeAt(at + 1)
        bits[2] = ops.charCodeAt(at + 2)
        bits[3] = ops.charCodeAt(at + 3)
        at += 4
        return number[0]
      case 2:
        return slice(n)
      case 3:
        return keys[n]
      case 4: {
        const array = []
        for (let i = 0; i < n; i++) array.push(value())
        return array
      }
      case 5: {
        const object = {}
        for (let i = 0; i < n; i++) {
          const keyUnit = ops.charCodeAt(at++)
          const k = (keyUnit & 7) === 3 ? keys[operandOf(keyUnit)] : slice(operandOf(keyUnit))
          const v = value()
          // As JSON.parse: an own property, never the prototype.
          if (k === '__proto__') defineProperty(object, k, { value: v, writable: true, enumerable: true, configurable: true })
          else object[k] = v
        }
        return object
      }
      case 6:
        return n
    }
    throw new Error('splants: unreadable result tape')
  }

  return function decode(tapeOps, tapeText, fresh, base) {
    // The names this thread should hold first, so a failure below cannot leave the two sides
    // out of step; the addon sends base 0 after any failure.
    if (keys.length < base) throw new Error('splants: result key table out of step')
    keys.length = base
    if (fresh != null) for (const name of fresh.split('\0')) keys.push(name)
    ops = tapeOps
    text = tapeText
    at = 0
    textAt = 0
    try {
      return value()
    } finally {
      ops = ''
      text = ''
    }
  }
})()
