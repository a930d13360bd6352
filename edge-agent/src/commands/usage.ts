/** Usage lines of the commands `cli.ts` loads on demand (their modules load node-opcua). */
export const BROWSE_USAGE = `  edge-agent browse opcua --endpoint URL [--root NODE] [--depth N] [--security None|Sign|SignAndEncrypt]
                    [--user U --password P] [--accept-unknown-certificate] [--data DIR]
                    [--profile-draft FILE [--profile-name NAME]]
                                      list the server's variables (DataType, access); draft a profile of them
`;

export const OPCUA_TRUST_USAGE = `  edge-agent opcua-trust --data DIR --list            server certificates the agent refused
  edge-agent opcua-trust --data DIR THUMBPRINT|FILE   trust one (a refused one by thumbprint, or a file)
`;
