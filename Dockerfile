# Placeholder until the deployment issue: the container image of loopgate.
FROM node:24-slim
WORKDIR /opt/loopgate
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY bin ./bin
COPY src ./src
COPY proto ./proto
USER node
ENTRYPOINT ["node", "bin/loopgate.js"]
CMD ["run", "--config", "/etc/loopgate/loopgate.yaml"]
