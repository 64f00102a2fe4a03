import { OpenClawClient } from 'openclaw-client';

const client = new OpenClawClient({
  baseUrl: 'http://localhost:18789',
  token: 'your-token'
});

// 运行 Agent
const response = await client.agent.run({
  message: 'Hello!',
  sessionKey: 'session-123'
});

console.log(response);
