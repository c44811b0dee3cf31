namespace Cortex.Areas;
