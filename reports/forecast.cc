#include "reports/forecast.h"
