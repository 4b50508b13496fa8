/**
 * A small writer for ONNX models (the protobuf messages ModelProto, GraphProto, NodeProto,
 * TensorProto, ValueInfoProto, AttributeProto). It covers what samebike emits: float32 and int64
 * tensors, int / float / string / int-list / float-list attributes, and symbolic dimensions.
 * Field numbers follow onnx/onnx.proto (IR version 8, opset 17 by default).
 */

/** ONNX TensorProto.DataType values that samebike uses. */
export const DataType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7 } as const;

export type AttributeValue = number | string | number[] | { floats: number[] } | { int: number };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Integers are written as INT, other numbers as FLOAT; wrap in {int} or {floats} to force. */
  attributes?: Record<string, AttributeValue>;
}

export interface TensorSpec {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian raw bytes of the values. */
  raw: Uint8Array;
}

export interface ValueSpec {
  name: string;
  dataType: number;
  /** A number is a fixed size; a string is a symbolic dimension such as "batch". */
  shape: (number | string)[];
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
}

/** Protobuf wire-format encoder: varints, length-delimited fields, fixed32 floats. */
class Writer {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

function writeAttribute(w: Writer, name: string, value: AttributeValue): void {
  // AttributeProto: name=1, f=2, i=3, s=4, floats=7, ints=8, type=20
  // AttributeType: FLOAT=1, INT=2, STRING=3, FLOATS=6, INTS=7
  w.string(1, name);
  if (typeof value === 'string') {
    w.bytes(4, new TextEncoder().encode(value));
    w.int(20, 3);
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, 7);
  } else if (typeof value === 'object' && 'floats' in value) {
    for (const v of value.floats) w.float(7, v);
    w.int(20, 6);
  } else if (typeof value === 'object') {
    w.int(3, value.int);
    w.int(20, 2);
  } else if (Number.isInteger(value)) {
    w.int(3, value);
    w.int(20, 2);
  } else {
    w.float(2, value);
    w.int(20, 1);
  }
}

function writeTensor(w: Writer, t: TensorSpec): void {
  // TensorProto: dims=1, data_type=2, name=8, raw_data=9
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.raw);
}

function writeValueInfo(w: Writer, v: ValueSpec): void {
  // ValueInfoProto: name=1, type=2; TypeProto: tensor_type=1; Tensor: elem_type=1, shape=2;
  // TensorShapeProto: dim=1; Dimension: dim_value=1, dim_param=2
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.dataType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

/** Serialises a graph as an ONNX ModelProto. */
export function encodeModel(
  graph: GraphSpec,
  options: { opset?: number; producer?: string; metadata?: Record<string, string> } = {},
): Uint8Array {
  const w = new Writer();
  // ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8, metadata_props=14
  w.int(1, 8);
  w.string(2, options.producer ?? 'samebike');
  w.message(7, (g) => {
    // GraphProto: node=1, name=2, initializer=5, input=11, output=12
    graph.nodes.forEach((node, i) =>
      g.message(1, (n) => {
        // NodeProto: input=1, output=2, name=3, op_type=4, attribute=5
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, node.name ?? `${node.op}_${i}`);
        n.string(4, node.op);
        for (const [key, value] of Object.entries(node.attributes ?? {})) {
          n.message(5, (a) => writeAttribute(a, key, value));
        }
      }),
    );
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const v of graph.inputs) g.message(11, (m) => writeValueInfo(m, v));
    for (const v of graph.outputs) g.message(12, (m) => writeValueInfo(m, v));
  });
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, options.opset ?? 17);
  });
  for (const [key, value] of Object.entries(options.metadata ?? {})) {
    w.message(14, (m) => {
      m.string(1, key);
      m.string(2, value);
    });
  }
  return w.finish();
}

/** A float32 initializer from values. */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): TensorSpec {
  const data = Float32Array.from(values);
  return {
    name,
    dims,
    dataType: DataType.FLOAT,
    raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** An int64 initializer from values (shapes, axes). */
export function int64Tensor(name: string, dims: number[], values: number[]): TensorSpec {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims, dataType: DataType.INT64, raw: new Uint8Array(data.buffer) };
}
