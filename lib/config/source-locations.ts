/**
 * Where each value of an imported config came from, by JSON pointer, so
 * that validation errors name the XML attribute's or INI key's file and line.
 */

export interface Where {
  file: string;
  line?: number;
}

export class SourceLocations {
  private readonly byPointer = new Map<string, Where>();

  set(pointer: string, where: Where | undefined): void {
    if (where) this.byPointer.set(pointer, where);
  }

  /** For validateConfig's `locate` option; it falls back to the enclosing pointer itself. */
  readonly locate = (pointer: string): Where | undefined => this.byPointer.get(pointer);
}
