// Filled in below (ForEachDeviceHistory and CustomerHistory for peripherals).
