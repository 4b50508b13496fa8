/**
 * A minimal protobuf wire-format reader and writer for splicing ONNX models: it splits a message
 * into its top-level fields (keeping each field's raw bytes, so untouched fields are copied
 * verbatim), and encodes the few fields samebike rewrites. It knows nothing of the ONNX schema
 * beyond the field numbers its callers pass; see onnx/onnx.proto for those.
 */
import { SamebikeError } from '../util/errors.js';

/** One field of a protobuf message. */
export interface WireField {
  /** Field number from the .proto file. */
  field: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wireType: number;
  /** The whole field as it was encoded (tag included), for verbatim copying. */
  raw: Uint8Array;
  /** The payload of a length-delimited field (a string, bytes or an embedded message). */
  payload?: Uint8Array;
  /** The value of a varint field. */
  varint?: bigint;
}

function readVarint(bytes: Uint8Array, start: number, source: string): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  let offset = start;
  for (;;) {
    if (offset >= bytes.length) throw new SamebikeError(`${source}: truncated protobuf (varint)`);
    const byte = bytes[offset++];
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, offset];
    shift += 7n;
    if (shift > 63n) throw new SamebikeError(`${source}: malformed protobuf (varint too long)`);
  }
}

/** Splits a protobuf message into its fields, in order. `source` names the data in errors. */
export function readFields(bytes: Uint8Array, source: string): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const start = offset;
    const [tag, afterTag] = readVarint(bytes, offset, source);
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    offset = afterTag;
    let payload: Uint8Array | undefined;
    let varint: bigint | undefined;
    if (wireType === 0) {
      [varint, offset] = readVarint(bytes, offset, source);
    } else if (wireType === 1) {
      offset += 8;
    } else if (wireType === 5) {
      offset += 4;
    } else if (wireType === 2) {
      const [length, afterLength] = readVarint(bytes, offset, source);
      offset = afterLength + Number(length);
      payload = bytes.subarray(afterLength, offset);
    } else {
      throw new SamebikeError(
        `${source}: not an ONNX model (protobuf wire type ${wireType} at byte ${start})`,
      );
    }
    if (offset > bytes.length || field === 0) {
      throw new SamebikeError(`${source}: not an ONNX model (truncated field at byte ${start})`);
    }
    fields.push({ field, wireType, raw: bytes.subarray(start, offset), payload, varint });
  }
  return fields;
}

/** Encodes a non-negative integer as a protobuf varint. */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Encodes a length-delimited field (string, bytes or embedded message). */
export function encodeBytesField(field: number, payload: Uint8Array): Uint8Array {
  return concatBytes([encodeVarint((field << 3) | 2), encodeVarint(payload.length), payload]);
}

/** Encodes a string field. */
export function encodeStringField(field: number, value: string): Uint8Array {
  return encodeBytesField(field, new TextEncoder().encode(value));
}

const decoder = new TextDecoder();

/** The payload of a length-delimited field as a UTF-8 string. */
export function fieldString(field: WireField): string {
  return decoder.decode(field.payload ?? new Uint8Array(0));
}

/** The first string value of field `number` in a message's fields, or undefined. */
export function firstString(fields: WireField[], number: number): string | undefined {
  const found = fields.find((f) => f.field === number && f.wireType === 2);
  return found ? fieldString(found) : undefined;
}
