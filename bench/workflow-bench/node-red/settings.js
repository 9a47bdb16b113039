// Node-RED settings for the benchmark: no editor, no admin API, no credential file, warnings only.
module.exports = {
    uiHost: "127.0.0.1",
    httpAdminRoot: false,
    httpNodeRoot: "/",
    flowFile: "flows.json",
    credentialSecret: false,
    logging: { console: { level: "warn", metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false } },
    functionExternalModules: false
};
