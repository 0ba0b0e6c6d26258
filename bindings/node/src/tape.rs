//! Results into JavaScript: a compact tape written by a serde `Serializer` wherever the call
//! finished, turned into objects by a small JavaScript decoder on the JavaScript thread.
//!
//! Why not JSON: V8's `JSON.parse` (Node 20) needs about 13 µs for one `generate` result
//! (4.6 KB, 26 objects, about 170 values), most of it making the objects and the short strings,
//! where plain JavaScript building the same objects from the same values needs well under one
//! (the figures are in `docs/operations.md`, "Per-call overhead of the bindings"). So the tape
//! carries what JSON leaves to the parser to find out:
//!
//! - **ops**: one JavaScript string of 16-bit units, read with `charCodeAt`. Each value is one
//!   unit, a tag in the low 3 bits and an operand in the high 13, the operand continued in two
//!   more units when it does not fit; a number's 64 bits follow its unit as four units.
//! - **text**: every string value and map key, one after another, in one string (Latin-1 when
//!   every character fits, as V8 keeps most text, else UTF-16). The decoder slices it.
//! - **keys**: field names and enum variant names are `&'static str` in serde. Each gets a
//!   process-wide number the first time it is written ([`static_id`]); the decoder of each
//!   JavaScript thread keeps those strings in a table, so a key costs one unit and no string.
//!   The table is sent in increments: each call sends the names its tape uses that this thread's
//!   decoder has not had yet, with the count it should already hold; the decoder truncates to
//!   that count first, so after any failure both sides restart from an empty table.
//! - **lazy fields**: a piece's `metadata` ([`LAZY_FIELDS`]) is written behind a header giving
//!   its length; the decoder keeps its ops and text (slices, no copy) and defines the field as
//!   an accessor that builds it on first read and then becomes a plain data property. Most of a
//!   result's values are there, and a caller that never reads them does not pay for them.
//!
//! Values mean what `serde_json` would write and `JSON.parse` would read: `None`, unit and
//! non-finite floats are `null`, integers become doubles (rounded as `JSON.parse` rounds them),
//! maps become objects (non-string keys written as text, as serde_json writes them), enums
//! are externally tagged, bytes are arrays of numbers, and a `__proto__` key is an own property.
//! `tests` check that against `serde_json` for every kind of value.

use napi::bindgen_prelude::{FnArgs, Function, FunctionRef};
use napi::{Env, JsString, Unknown};
use serde::ser::{self, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{OnceLock, PoisonError, RwLock};

/// The tag of a value's first unit (low 3 bits).
mod tag {
    /// `null` (operand 0), `false` (1) or `true` (2).
    pub const CONST: u16 = 0;
    /// A double in the next four units (little-endian 16-bit pieces of its bits).
    pub const NUM: u16 = 1;
    /// A string: the next `operand` units of the text.
    pub const STR: u16 = 2;
    /// A string from the key table: entry `operand`.
    pub const KEY: u16 = 3;
    /// An array of `operand` values.
    pub const ARR: u16 = 4;
    /// An object of `operand` entries, each a key (`STR` or `KEY`) and a value.
    pub const OBJ: u16 = 5;
    /// The integer `operand` (0..2^32).
    pub const INT: u16 = 6;
    /// A field's value that the decoder builds when it is first read: the operand (always in
    /// the long form) is how many ops units the value takes, the next two units how many text
    /// units, then the value itself. Only [`LAZY_FIELDS`](super::LAZY_FIELDS) are written so.
    pub const LAZY: u16 = 7;
}

/// Object fields whose value JavaScript builds on first read: a generated piece's `metadata`
/// (the scores' assessments, breakdowns and readability) is about 85 % of a result's values,
/// and most callers never read it, or read it later than the call. The field is an ordinary
/// enumerable property to `JSON.stringify`, spread, `structuredClone` and `Object.keys`; until
/// it is read it is an accessor (what `console.log` shows as `[Getter/Setter]`).
const LAZY_FIELDS: &[&str] = &["metadata"];

/// A lazy value smaller than this many ops units is written as an ordinary one: deferring it
/// would cost more than building it.
const LAZY_MIN_UNITS: usize = 48;

/// The largest operand held in the unit itself; this value means "in the next two units".
const LONG: u32 = 0x1FFF;

/// The decoder, evaluated once per JavaScript thread: `(ops, text, fresh, base) => value`.
const DECODER: &str = include_str!("decode.js");

/// A serialized result, ready for [`Tape::into_js`]. `Send`: written on a runtime worker when
/// the call finished there.
#[derive(Debug, Default)]
pub struct Tape {
    ops: Vec<u16>,
    text: Text,
    /// One past the largest key id the ops use (0 when none).
    keys_needed: u32,
}

/// String contents, one after another.
#[derive(Debug)]
enum Text {
    Latin1(Vec<u8>),
    Wide(Vec<u16>),
}

impl Default for Text {
    fn default() -> Self {
        Text::Latin1(Vec::new())
    }
}

impl Text {
    /// Its length in UTF-16 units (a Latin-1 byte is one unit).
    fn len(&self) -> usize {
        match self {
            Text::Latin1(bytes) => bytes.len(),
            Text::Wide(units) => units.len(),
        }
    }

    /// Appends `s`; returns its length in UTF-16 units (what the decoder slices by).
    fn push(&mut self, s: &str) -> usize {
        match self {
            Text::Latin1(bytes) if s.is_ascii() => {
                bytes.extend_from_slice(s.as_bytes());
                s.len()
            }
            Text::Latin1(bytes) if s.chars().all(|c| u32::from(c) <= 0xFF) => {
                let start = bytes.len();
                bytes.extend(s.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')));
                bytes.len() - start
            }
            Text::Latin1(bytes) => {
                let wide = bytes.iter().map(|&b| u16::from(b)).collect();
                *self = Text::Wide(wide);
                self.push(s)
            }
            Text::Wide(units) if s.is_ascii() => {
                units.extend(s.bytes().map(u16::from));
                s.len()
            }
            Text::Wide(units) => {
                let start = units.len();
                units.extend(s.encode_utf16());
                units.len() - start
            }
        }
    }
}

/// Why a value could not be written.
#[derive(Debug)]
pub struct TapeError(String);

impl Display for TapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TapeError {}

impl ser::Error for TapeError {
    fn custom<T: Display>(msg: T) -> Self {
        TapeError(msg.to_string())
    }
}

type Result<T, E = TapeError> = std::result::Result<T, E>;

/// `serialize_i8` … `serialize_i128` and `serialize_u8` … `serialize_u64` of a serializer,
/// each `|serializer, value| body` (`value` as its own integer type).
macro_rules! integers {
    (|$this:ident, $v:ident| $body:expr) => {
        integers!(@each $this $v $body; serialize_i8 i8, serialize_i16 i16, serialize_i32 i32,
            serialize_i64 i64, serialize_i128 i128, serialize_u8 u8, serialize_u16 u16,
            serialize_u32 u32, serialize_u64 u64);
    };
    (@each $this:ident $v:ident $body:expr; $($method:ident $ty:ty),+) => {$(
        #[allow(clippy::useless_conversion)] // `into()` is the identity for i128
        fn $method(self, $v: $ty) -> Result<()> {
            let $this = self;
            $body
        }
    )+};
}

/// The process-wide key table: names in the order they were first written.
struct Keys {
    ids: HashMap<&'static str, u32>,
    names: Vec<&'static str>,
}

fn keys() -> &'static RwLock<Keys> {
    static KEYS: OnceLock<RwLock<Keys>> = OnceLock::new();
    KEYS.get_or_init(|| RwLock::new(Keys { ids: HashMap::new(), names: Vec::new() }))
}

/// Slots of [`RECENT`]: more than the static names one result uses.
const RECENT_SLOTS: usize = 1024;

thread_local! {
    /// This thread's cache of ids already looked up (ids never change): a direct-mapped table
    /// keyed by the name's address and length, so a name costs no hashing and no lock once
    /// seen. The same name at another address just takes another slot.
    static RECENT: RefCell<Box<[(usize, usize, u32)]>> =
        RefCell::new(vec![(0, 0, 0); RECENT_SLOTS].into_boxed_slice());
}

/// The id of a static name (a field or variant name), given the first time it is seen.
fn static_id(name: &'static str) -> u32 {
    let (ptr, len) = (name.as_ptr() as usize, name.len());
    let slot = ((ptr >> 2) ^ len) % RECENT_SLOTS;
    let cached = RECENT.with_borrow(|recent| {
        let (p, l, id) = recent[slot];
        (p == ptr && l == len).then_some(id)
    });
    if let Some(id) = cached {
        return id;
    }
    let table = keys();
    let found = table.read().unwrap_or_else(PoisonError::into_inner).ids.get(name).copied();
    let id = found.unwrap_or_else(|| {
        let mut keys = table.write().unwrap_or_else(PoisonError::into_inner);
        let next = u32::try_from(keys.names.len()).unwrap_or(u32::MAX);
        let id = *keys.ids.entry(name).or_insert(next);
        if id == next {
            keys.names.push(name);
        }
        id
    });
    RECENT.with_borrow_mut(|recent| recent[slot] = (ptr, len, id));
    id
}

impl Tape {
    /// `value` as a tape.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Result<Tape> {
        let mut tape = Tape::default();
        value.serialize(&mut tape)?;
        Ok(tape)
    }

    fn unit(&mut self, tag: u16, operand: u32) {
        if operand < LONG {
            // `operand < 0x1FFF`, so `operand << 3` fits 16 bits.
            self.ops.push(tag | (operand as u16) << 3);
        } else {
            self.ops.extend([tag | (LONG as u16) << 3, operand as u16, (operand >> 16) as u16]);
        }
    }

    fn number(&mut self, n: f64) {
        if n.is_finite() {
            let bits = n.to_bits();
            self.ops.extend([tag::NUM, bits as u16, (bits >> 16) as u16, (bits >> 32) as u16, (bits >> 48) as u16]);
        } else {
            self.ops.push(tag::CONST); // what serde_json writes for NaN and ±inf
        }
    }

    fn integer(&mut self, n: i128) {
        match u32::try_from(n) {
            Ok(small) => self.unit(tag::INT, small),
            #[allow(clippy::cast_precision_loss)] // JSON.parse rounds large integers the same way
            Err(_) => self.number(n as f64),
        }
    }

    fn string(&mut self, s: &str) -> Result<()> {
        let len = self.text.push(s);
        let len =
            u32::try_from(len).map_err(|_| TapeError(format!("a string of {len} characters does not fit a result")))?;
        self.unit(tag::STR, len);
        Ok(())
    }

    fn key(&mut self, name: &'static str) -> Result<()> {
        let id = static_id(name);
        self.keys_needed = self.keys_needed.max(id.saturating_add(1));
        self.unit(tag::KEY, id);
        Ok(())
    }

    /// `value` behind a [`tag::LAZY`] header, or without one when it is small.
    fn lazy<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let at = self.ops.len();
        self.ops.extend([tag::LAZY | (LONG as u16) << 3, 0, 0, 0, 0]);
        let text_before = self.text.len();
        value.serialize(&mut *self)?;
        let ops = self.ops.len() - (at + 5);
        if ops < LAZY_MIN_UNITS {
            self.ops.drain(at..at + 5);
            return Ok(());
        }
        let too_long = |_| TapeError("a lazy value does not fit a result".to_owned());
        let ops = u32::try_from(ops).map_err(too_long)?;
        let text = u32::try_from(self.text.len() - text_before).map_err(too_long)?;
        self.ops[at + 1..at + 5].copy_from_slice(&[ops as u16, (ops >> 16) as u16, text as u16, (text >> 16) as u16]);
        Ok(())
    }

    /// Opens an array or object whose count is known at its end: returns where to patch it.
    fn open(&mut self, tag: u16) -> usize {
        let at = self.ops.len();
        self.ops.extend([tag | (LONG as u16) << 3, 0, 0]);
        at
    }

    fn close(&mut self, at: usize, count: u32) {
        self.ops[at + 1] = count as u16;
        self.ops[at + 2] = (count >> 16) as u16;
    }

    /// The value in JavaScript: the decoder of this thread builds it from the tape.
    pub fn into_js<'env>(self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        let sent = SENT.get();
        let fresh = (self.keys_needed > sent).then(|| {
            let table = keys().read().unwrap_or_else(PoisonError::into_inner);
            table.names[sent as usize..self.keys_needed as usize].join("\0")
        });
        let outcome = (|| {
            let decode = decoder(env)?;
            let ops = env.create_string_utf16(&self.ops)?;
            let text = match &self.text {
                Text::Latin1(bytes) => env.create_string_latin1(bytes)?,
                Text::Wide(units) => env.create_string_utf16(units)?,
            };
            let fresh = fresh.as_deref().map(|f| env.create_string(f)).transpose()?;
            decode.call(FnArgs::from((ops, text, fresh, sent)))
        })();
        match &outcome {
            Ok(_) => SENT.set(self.keys_needed.max(sent)),
            Err(_) => SENT.set(0), // the decoder truncates to what the next call says it has
        }
        outcome
    }
}

/// The decoder's arguments: ops, text, the names it has not had yet (`\0`-separated), and how
/// many it should already hold.
type DecodeArgs<'env> = FnArgs<(JsString<'env>, JsString<'env>, Option<JsString<'env>>, u32)>;

thread_local! {
    /// This JavaScript thread's decoder.
    static DECODE: RefCell<Option<FunctionRef<DecodeArgs<'static>, Unknown<'static>>>> = const { RefCell::new(None) };
    /// How many key names this thread's decoder holds.
    static SENT: Cell<u32> = const { Cell::new(0) };
}

/// This thread's decoder, evaluated from [`DECODER`] on first use.
fn decoder<'env>(env: &'env Env) -> napi::Result<Function<'env, DecodeArgs<'env>, Unknown<'env>>> {
    DECODE.with_borrow_mut(|slot| {
        if slot.is_none() {
            let made: Function<DecodeArgs, Unknown> = env.run_script(DECODER)?;
            SENT.set(0);
            *slot = Some(made.create_ref()?);
        }
        match slot {
            Some(decode) => decode.borrow_back(env),
            None => Err(napi::Error::from_reason("no decoder")),
        }
    })
}

/// An array or object being written: where its count goes, and the count so far.
pub struct Compound<'a> {
    tape: &'a mut Tape,
    at: usize,
    count: u32,
}

impl<'a> Compound<'a> {
    fn open(tape: &'a mut Tape, tag: u16) -> Self {
        let at = tape.open(tag);
        Compound { tape, at, count: 0 }
    }

    /// Counts one more element.
    fn counted(&mut self) -> Result<&mut Tape> {
        self.count = self.count.checked_add(1).ok_or_else(|| TapeError("too many elements for a result".to_owned()))?;
        Ok(&mut *self.tape)
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(self.counted()?)
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<()> {
        self.tape.key(name)?;
        if LAZY_FIELDS.contains(&name) { self.counted()?.lazy(value) } else { self.element(value) }
    }

    fn end(self) -> Result<()> {
        self.tape.close(self.at, self.count);
        Ok(())
    }
}

impl<'a> ser::Serializer for &'a mut Tape {
    type Ok = ();
    type Error = TapeError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.ops.push(tag::CONST | if v { 2 << 3 } else { 1 << 3 });
        Ok(())
    }
    integers!(|tape, v| {
        tape.integer(v.into());
        Ok(())
    });
    fn serialize_u128(self, v: u128) -> Result<()> {
        match i128::try_from(v) {
            Ok(v) => self.integer(v),
            #[allow(clippy::cast_precision_loss)]
            Err(_) => self.number(v as f64),
        }
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        // serde_json writes an f32 by its own shortest digits, which JSON.parse reads as the
        // nearest double: the same double as those digits give here.
        let shortest: f64 = v.to_string().parse().unwrap_or(f64::NAN);
        self.number(if v.is_finite() { shortest } else { f64::NAN });
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        self.number(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.string(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        let mut array = Compound::open(self, tag::ARR);
        for byte in v {
            array.element(byte)?;
        }
        array.end()
    }
    fn serialize_none(self) -> Result<()> {
        self.ops.push(tag::CONST);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.ops.push(tag::CONST);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<()> {
        self.key(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.unit(tag::OBJ, 1);
        self.key(variant)?;
        value.serialize(self)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>> {
        Ok(Compound::open(self, tag::ARR))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>> {
        Ok(Compound::open(self, tag::ARR))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>> {
        Ok(Compound::open(self, tag::ARR))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>> {
        self.unit(tag::OBJ, 1);
        self.key(variant)?;
        Ok(Compound::open(self, tag::ARR))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>> {
        Ok(Compound::open(self, tag::OBJ))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>> {
        Ok(Compound::open(self, tag::OBJ))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>> {
        self.unit(tag::OBJ, 1);
        self.key(variant)?;
        Ok(Compound::open(self, tag::OBJ))
    }
}

/// The array-like serde traits: each element is a value of the array.
macro_rules! array_like {
    ($($trait:ident :: $method:ident),+) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = TapeError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.element(value)
            }
            fn end(self) -> Result<()> {
                Compound::end(self)
            }
        }
    )+};
}

array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        key.serialize(MapKey(&mut *self.tape))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.field(key, value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.field(key, value)
    }
    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

/// A map key, written as text the way serde_json writes it: strings as they are, integers and
/// `char`s and `bool`s as their text, unit variants by name; anything else is an error.
struct MapKey<'a>(&'a mut Tape);

impl MapKey<'_> {
    fn text(self, text: &str) -> Result<()> {
        self.0.string(text)
    }
}

fn not_a_key<T>() -> Result<T> {
    Err(TapeError("a map key must be a string".to_owned()))
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = TapeError;
    type SerializeSeq = ser::Impossible<(), TapeError>;
    type SerializeTuple = ser::Impossible<(), TapeError>;
    type SerializeTupleStruct = ser::Impossible<(), TapeError>;
    type SerializeTupleVariant = ser::Impossible<(), TapeError>;
    type SerializeMap = ser::Impossible<(), TapeError>;
    type SerializeStruct = ser::Impossible<(), TapeError>;
    type SerializeStructVariant = ser::Impossible<(), TapeError>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.text(if v { "true" } else { "false" })
    }
    integers!(|key, v| key.text(&v.to_string()));
    fn serialize_u128(self, v: u128) -> Result<()> {
        self.text(&v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Result<()> {
        not_a_key()
    }
    fn serialize_f64(self, _v: f64) -> Result<()> {
        not_a_key()
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.text(v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<()> {
        not_a_key()
    }
    fn serialize_none(self) -> Result<()> {
        not_a_key()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<()> {
        not_a_key()
    }
    fn serialize_unit(self) -> Result<()> {
        not_a_key()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        not_a_key()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<()> {
        self.0.key(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<()> {
        not_a_key()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        not_a_key()
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        not_a_key()
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct> {
        not_a_key()
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        not_a_key()
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        not_a_key()
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        not_a_key()
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        not_a_key()
    }
}

/// Values of every kind serde has, for the package's test that each decodes to what
/// `JSON.parse` makes of serde_json's text (`__tapeSamples`).
pub mod samples {
    use serde::{Serialize, Serializer};
    use std::collections::BTreeMap;

    /// Bytes written with `serialize_bytes` (serde_json: an array of numbers).
    pub struct Bytes(pub Vec<u8>);

    impl Serialize for Bytes {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }

    /// Every shape of enum variant.
    #[derive(Serialize)]
    pub enum Variant {
        /// A unit variant.
        Unit,
        /// A newtype variant.
        Newtype(i32),
        /// A tuple variant.
        Tuple(u8, String),
        /// A struct variant.
        Struct {
            /// A field.
            inner: Option<bool>,
        },
        /// A renamed unit variant.
        #[serde(rename = "snake_case_name")]
        Renamed,
    }

    /// A newtype struct.
    #[derive(Serialize)]
    pub struct Newtype(pub f64);

    /// A unit struct.
    #[derive(Serialize)]
    pub struct UnitStruct;

    /// Flattened into [`Kinds`].
    #[derive(Serialize)]
    pub struct Flat {
        /// A field that ends up in the outer object.
        pub flat_field: &'static str,
    }

    /// One of everything.
    #[derive(Serialize)]
    #[allow(missing_docs)]
    pub struct Kinds {
        pub unit: (),
        pub unit_struct: UnitStruct,
        pub none: Option<u8>,
        pub some: Option<&'static str>,
        pub yes: bool,
        pub no: bool,
        pub integers: (u8, i8, u16, i16, u32, i32, u64, i64, u128, i128),
        pub edges: Vec<i64>,
        pub unsigned_edges: Vec<u64>,
        pub doubles: Vec<f64>,
        pub singles: Vec<f32>,
        pub non_finite: (f64, f64, f32),
        pub chars: (char, char, char),
        pub strings: Vec<String>,
        pub bytes: Bytes,
        pub variants: Vec<Variant>,
        pub newtype: Newtype,
        pub tuple: (u8, &'static str, Option<()>),
        pub int_keys: BTreeMap<i64, u8>,
        pub bool_keys: BTreeMap<bool, u8>,
        pub variant_keys: BTreeMap<&'static str, Variant>,
        pub tricky_keys: BTreeMap<String, serde_json::Value>,
        pub nested: Vec<Vec<Vec<u8>>>,
        pub value: serde_json::Value,
        #[serde(rename = "renamedField")]
        pub renamed: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub skipped: Option<u8>,
        #[serde(flatten)]
        pub flat: Flat,
        pub empty_object: BTreeMap<String, u8>,
        pub empty_array: Vec<u8>,
        pub long_array: Vec<u16>,
    }

    /// The samples.
    pub fn kinds() -> Kinds {
        let long = "x".repeat(20_000);
        Kinds {
            unit: (),
            unit_struct: UnitStruct,
            none: None,
            some: Some("some"),
            yes: true,
            no: false,
            integers: (255, -128, 65535, -32768, u32::MAX, i32::MIN, u64::MAX, i64::MIN, u128::MAX, i128::MIN),
            edges: vec![0, 1, -1, 8190, 8191, 8192, 65535, 65536, (1 << 32) - 1, 1 << 32, (1 << 53) + 1, i64::MAX],
            unsigned_edges: vec![0, 0x1FFE, 0x1FFF, 0xFFFF_FFFF, 0x1_0000_0000, u64::MAX],
            doubles: vec![0.0, -0.0, 0.1, 1.0 / 3.0, 1e300, -1e-300, 5e-324, f64::MAX, f64::MIN_POSITIVE, 123456.789],
            singles: vec![0.1, 1.0 / 3.0, f32::MAX, f32::MIN_POSITIVE, -2.5],
            non_finite: (f64::NAN, f64::NEG_INFINITY, f32::INFINITY),
            chars: ('a', 'é', '😀'),
            strings: vec![
                String::new(),
                "plain ascii".to_owned(),
                "café, Latin-1 only".to_owned(),
                "1–4 is good, a wide character".to_owned(),
                "emoji 😀 and \u{10FFFF}".to_owned(),
                "quotes \" and \\ and \n\t\u{0} and \u{7f}".to_owned(),
                "\0".to_owned(),
                long,
                "short".to_owned(),
            ],
            bytes: Bytes(vec![0, 1, 255]),
            variants: vec![
                Variant::Unit,
                Variant::Newtype(-7),
                Variant::Tuple(1, "two".to_owned()),
                Variant::Struct { inner: None },
                Variant::Struct { inner: Some(true) },
                Variant::Renamed,
            ],
            newtype: Newtype(2.5),
            tuple: (1, "a", Some(())),
            int_keys: BTreeMap::from([(-1, 1), (0, 2), (10, 3), (i64::MAX, 4)]),
            bool_keys: BTreeMap::from([(false, 0), (true, 1)]),
            variant_keys: BTreeMap::from([("unit", Variant::Unit), ("newtype", Variant::Newtype(1))]),
            tricky_keys: BTreeMap::from([
                ("__proto__".to_owned(), serde_json::json!({ "polluted": true })),
                ("constructor".to_owned(), serde_json::json!("c")),
                ("toString".to_owned(), serde_json::json!(1)),
                ("".to_owned(), serde_json::json!("empty key")),
                ("0".to_owned(), serde_json::json!("index-like")),
                ("ключ".to_owned(), serde_json::json!("wide key")),
                ("with\0nul".to_owned(), serde_json::json!(null)),
            ]),
            nested: vec![vec![], vec![vec![]], vec![vec![1, 2], vec![3]]],
            value: serde_json::json!({
                "a": [1, -2, 3.5, "x", null, true, { "b": { "c": [] } }],
                "big": 18446744073709551615_u64,
                "neg": -9223372036854775808_i64,
                "__proto__": { "x": 1 },
            }),
            renamed: 9,
            skipped: None,
            flat: Flat { flat_field: "flat" },
            empty_object: BTreeMap::new(),
            empty_array: Vec::new(),
            long_array: (0..9000).collect(),
        }
    }
}
