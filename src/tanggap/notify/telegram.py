"""The daily sentence to a Telegram channel, through the Bot API with python-telegram-bot.
The bot must be an administrator of the channel. The token is a secret: never logged."""

from __future__ import annotations

import asyncio


class TelegramChannel:
    def __init__(self, token: str, channel: str, base_url: str | None = None):
        if not token or not channel:
            raise ValueError("a Telegram bot token and a channel (@name or id) are needed")
        self._token, self.channel, self._base_url = token, channel, base_url
        self.name = f"telegram:{channel}"

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"TelegramChannel({self.channel!r})"

    def send(self, text: str, key: str) -> str:
        return asyncio.run(self._send(text))

    async def _send(self, text: str) -> str:
        from telegram import Bot

        bot = Bot(self._token, base_url=self._base_url) if self._base_url else Bot(self._token)
        async with bot:
            message = await bot.send_message(chat_id=self.channel, text=text[:4096])
        return str(message.message_id)
