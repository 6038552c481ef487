// A real OAuth2 server for apiflow's token-provider tests: oauth2-mock-server on a free
// loopback port. Prints `listening URL`, then `grant TYPE` for every token request.
// TOKEN_TTL (seconds) sets `expires_in`, so renewal can be tested in seconds.
import { OAuth2Server } from 'oauth2-mock-server';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
const ttl = Number(process.env.TOKEN_TTL || 3600);
server.service.on('beforeResponse', (response, req) => {
  response.body.expires_in = ttl;
  console.log(`grant ${req.body.grant_type}`);
});
await server.start(0, '127.0.0.1');
console.log(`listening ${server.issuer.url}`);
process.on('SIGTERM', async () => {
  await server.stop();
  process.exit(0);
});
