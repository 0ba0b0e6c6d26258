// The decoder of the result tape (src/tape.rs says what the tape holds). Evaluated once per
// JavaScript thread by the addon; the value of this script is the decoder function.
;(function () {
  'use strict'
  const LONG = 0x1fff
  let keys = []
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
          if ((ops.charCodeAt(at) & 7) === 7) {
            lazy(object, k)
            continue
          }
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

  // A field built when first read (tag 7): its ops and text are kept, as slices of this call's
  // strings, with the key table as it is now, under a hidden symbol of the object, and the
  // field is an accessor that builds the value, then turns into an ordinary data property
  // holding it (as does assigning to it). Every object shares one getter and setter per field
  // name: V8 keeps accessors in the object's map, and a closure per object would make a map per
  // object, reachable from the old generation, so every result would survive its young
  // collections.
  const accessors = new Map()

  function accessorOf(k) {
    let accessor = accessors.get(k)
    if (accessor === undefined) {
      const pending = Symbol(`splants: ${k} not built yet`)
      const settle = (object, v) => {
        defineProperty(object, k, { value: v, writable: true, enumerable: true, configurable: true })
        object[pending] = undefined
        return v
      }
      accessor = {
        pending,
        get() {
          const kept = this[pending]
          return settle(this, kept === undefined ? undefined : detached(kept[0], kept[1], kept[2]))
        },
        set(v) {
          settle(this, v)
        },
      }
      accessors.set(k, accessor)
    }
    return accessor
  }

  function lazy(object, k) {
    const opsLength = operandOf(ops.charCodeAt(at++))
    const textLength = ops.charCodeAt(at) + ops.charCodeAt(at + 1) * 0x10000
    at += 2
    const kept = [ops.slice(at, at + opsLength), text.slice(textAt, textAt + textLength), keys]
    at += opsLength
    textAt += textLength
    const accessor = accessorOf(k)
    defineProperty(object, accessor.pending, { value: kept, writable: true, enumerable: false, configurable: true })
    defineProperty(object, k, { get: accessor.get, set: accessor.set, enumerable: true, configurable: true })
  }

  // Decodes a kept value, leaving the state of any decode in progress as it was.
  function detached(lazyOps, lazyText, lazyKeys) {
    const saved = [ops, at, text, textAt, keys]
    ops = lazyOps
    text = lazyText
    keys = lazyKeys
    at = 0
    textAt = 0
    try {
      return value()
    } finally {
      ;[ops, at, text, textAt, keys] = saved
    }
  }

  return function decode(tapeOps, tapeText, fresh, base) {
    // The names this thread should hold first, so a failure below cannot leave the two sides
    // out of step; the addon sends base 0 after any failure.
    if (keys.length < base) throw new Error('splants: result key table out of step')
    // A new table rather than a shorter one: values not read yet keep the table they were
    // written against (ids are process-wide, so it only ever grows otherwise).
    if (keys.length > base) keys = keys.slice(0, base)
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
