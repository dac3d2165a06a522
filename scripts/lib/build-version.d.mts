export declare const DEPLOY_VERSION_PLACEHOLDER: string;
export declare function buildVersion(root: string, env?: NodeJS.ProcessEnv): string;
export declare function stampVersion(buildDir: string, version: string): void;
