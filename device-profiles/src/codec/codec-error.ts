/** Raw data that cannot become a value, or a value that cannot become raw data. */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}
