"""The offline engine: numpy and OpenCV only, synchronous and pure. Never imports Qt or asyncio."""
