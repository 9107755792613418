// The Frictionless JavaScript libraries ship no types; the tests use this much of them.
declare module 'datapackage' {
  export interface Resource {
    name: string;
    tabular: boolean;
    valid: boolean;
    errors: Error[];
    read(options?: { relations?: boolean; forceCast?: boolean; cast?: boolean; keyed?: boolean }): Promise<unknown[]>;
  }
  export class Package {
    static load(descriptor: string | object, basePath?: string): Promise<Package>;
    valid: boolean;
    errors: Error[];
    resources: Resource[];
    getResource(name: string): Resource;
  }
}
