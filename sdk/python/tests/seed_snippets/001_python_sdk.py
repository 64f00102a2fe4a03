from openclaw import OpenClaw

client = OpenClaw(
    base_url='http://localhost:18789',
    token='YOUR_TOKEN'
)

# 发送消息
response = client.message.send(
    text='你好',
    session='default'
)

print(response.text)

# 搜索记忆
memories = client.memory.search(
    query='OpenClaw 配置',
    limit=5
)

for memory in memories:
    print(memory.content)
