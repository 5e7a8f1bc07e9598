import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { checkEvent, InvalidInputError, type FairEvent } from './schemas.js';

/**
 * The events of an NDJSON file, one JSON event a line (blank lines skipped), each checked against the schema. A
 * bad line stops the read with an error naming the file, the line and the field.
 */
export async function* readNdjson(path: string): AsyncGenerator<FairEvent> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${path}:${number}: malformed JSON: ${(error as Error).message}`, { cause: error });
    }
    try {
      yield checkEvent(value);
    } catch (error) {
      if (error instanceof InvalidInputError) throw new Error(`${path}:${number}: ${error.message}`, { cause: error });
      throw error;
    }
  }
}
